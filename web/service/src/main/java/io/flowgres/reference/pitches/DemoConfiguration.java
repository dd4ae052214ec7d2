package io.flowgres.reference.pitches;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Supplier;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.autoconfigure.InvalidFlowgresPropertyException;
import io.flowgres.web.paging.ExportLimiter;
import io.flowgres.web.problem.ProblemResponses;
import io.flowgres.web.r2dbc.LentConnections;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.web.routing.ConsistencyTokenSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.r2dbc.core.R2dbcEntityTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the reference service: the demo database (migrated and seeded before traffic), the pitch
 * and health endpoints, and the problem mapper around them.
 */
@Configuration(proxyBeanMethods = false)
public class DemoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DemoConfiguration.class);
    private static final String CURSOR_SECRET = "reference.cursor-secret";

    /** Creates the configuration. */
    public DemoConfiguration() {
    }

    /**
     * Migrates and seeds the demo database, in the background: the rest of the context (routes,
     * Spring Data, actuator) is built meanwhile on the main thread, and the container waits for
     * every background bean before it starts the web server, so no request runs before seeding
     * (issue #16: start-up). Nothing depends on this bean directly, since a dependent would wait for
     * it where it is created.
     *
     * @param config the cluster
     * @param localCluster the embedded cluster, if any
     * @param users users to seed into an empty database
     * @param pitches pitches to seed into an empty database
     * @return the prepared database
     */
    @Bean(bootstrap = Bean.Bootstrap.BACKGROUND)
    public DemoDatabase demoDatabase(ClusterConfig config, ObjectProvider<LocalCluster> localCluster,
            @Value("${reference.users:1000}") long users, @Value("${reference.pitches:100000}") long pitches) {
        return DemoDatabase.prepare(config, users, pitches, localCluster.getIfAvailable());
    }

    /**
     * Signs browse cursors.
     *
     * @param secret the shared secret; when empty, a random one (cursors then die with the process)
     * @return the codec
     * @throws InvalidFlowgresPropertyException when the secret is shorter than 16 bytes
     */
    @Bean
    public CursorCodec cursorCodec(@Value("${reference.cursor-secret:}") String secret) {
        if (secret.isEmpty()) {
            log.warn("reference.cursor-secret is not set: using a random secret, so cursors and consistency "
                    + "tokens do not survive a restart and do not work across instances");
        }
        return property(CURSOR_SECRET, () -> new CursorCodec(secretBytes(secret)));
    }

    /**
     * Signs the consistency tokens of writes and checks those of reads, with a key derived from the
     * cursor secret (the one secret a deployment shares between its instances).
     *
     * @param secret the shared secret; when empty, a random one (tokens then die with the process)
     * @return the header codec
     * @throws InvalidFlowgresPropertyException when the secret is shorter than 16 bytes
     */
    @Bean
    public ConsistencyHeader consistencyHeader(@Value("${reference.cursor-secret:}") String secret) {
        return property(CURSOR_SECRET, () -> new ConsistencyHeader(new ConsistencyTokenSigner(secretBytes(secret))));
    }

    /**
     * Bounds the exports that run at once.
     *
     * @param limit {@code reference.export-limit}
     * @return the limiter
     * @throws InvalidFlowgresPropertyException when the limit is out of range
     */
    @Bean
    public ExportLimiter exportLimiter(
            @Value("${reference.export-limit:" + ExportLimiter.DEFAULT_LIMIT + "}") int limit) {
        return property("reference.export-limit", () -> new ExportLimiter(limit));
    }

    private static byte[] secretBytes(String secret) {
        if (secret.isEmpty()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return random;
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T property(String name, Supplier<T> factory) {
        try {
            return factory.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException(name, e.getMessage(), e);
        }
    }

    /**
     * The pitch data access.
     *
     * @param flowgres the facade
     * @param spring the Spring Data R2DBC pieces
     * @param cursors the cursor codec
     * @param cache the query cache
     * @param json the application's JSON mapper (WebFlux's), which encodes the pitches read by id
     * @return the store
     */
    @Bean
    public PitchStore pitchStore(Flowgres flowgres, SpringData spring, CursorCodec cursors, QueryCache cache,
            JsonMapper json) {
        return new PitchStore(flowgres, spring, cursors, cache, json);
    }

    /**
     * The Spring Data R2DBC pieces the stores run inside Flowgres operations.
     *
     * @param lent the starter's bridge onto the connections Flowgres operations lend
     * @param client the starter's {@code DatabaseClient}
     * @param users the user repository
     * @param template the template the repositories map rows with
     * @param writes the transactional pitch writes
     * @return the pieces
     */
    @Bean
    public SpringData springData(LentConnections lent, DatabaseClient client, UserRepository users,
            R2dbcEntityTemplate template, PitchWrites writes) {
        // Spring Data learns a mapped type the first time it meets it: it reads the class file (ASM) and adds
        // the type to its mapping context under a write lock that concurrent readers wait for. Done here, at
        // start-up, neither blocks an event loop.
        for (Class<?> type : List.of(UserRepository.AppUser.class, UserRepository.ProfileRow.class)) {
            template.getConverter().getMappingContext().getRequiredPersistentEntity(type);
        }
        template.getConverter().introspectProjection(UserRepository.ProfileRow.class, UserRepository.AppUser.class);
        return new SpringData(lent, client, users, writes);
    }

    /**
     * Runs each read path once before the service reports itself ready.
     *
     * @param pitches the pitch store
     * @param users the user store
     * @param flowgres its slow-query report forgets the warm-up's reads
     * @param cache forgets what the warm-up's reads cached
     * @param logging quiets the slow-query log during the warm-up
     * @return the warm-up
     */
    @Bean
    public WarmUp warmUp(PitchStore pitches, UserStore users, Flowgres flowgres, QueryCache cache,
            LoggingSystem logging) {
        return new WarmUp(pitches, users, flowgres.slowQueries(), cache, logging);
    }

    /**
     * Shuts the service down once it is ready: for the build's class-data-sharing training run only.
     *
     * @return the listener
     */
    @Bean
    @ConditionalOnBooleanProperty("reference.exit-when-ready")
    public ExitWhenReady exitWhenReady() {
        return new ExitWhenReady();
    }

    /**
     * The pitch writes, proxied by Spring for their {@code @Transactional} methods.
     *
     * @param client the starter's {@code DatabaseClient}
     * @return the writes
     */
    @Bean
    public PitchWrites pitchWrites(DatabaseClient client) {
        return new PitchWrites(client);
    }

    /**
     * The reference service's routes.
     *
     * @param pitches the pitch repository
     * @param consistency reads and signs consistency tokens
     * @param exports bounds the exports that run at once
     * @param json the application's JSON mapper, for the batch endpoint's own decoder and the responses
     *        keyed creates store
     * @param batchLimit the largest number of pitches one {@code POST /api/pitches/batch} creates
     * @return the routes, wrapped by the problem mapper
     * @throws InvalidFlowgresPropertyException when {@code reference.batch-limit} is out of range
     */
    @Bean
    public RouterFunction<ServerResponse> demoRoutes(PitchStore pitches, ConsistencyHeader consistency,
            ExportLimiter exports, JsonMapper json,
            @Value("${reference.batch-limit:" + PitchBatchHandler.DEFAULT_BATCH_LIMIT + "}") int batchLimit) {
        PitchHandler pitchHandler = new PitchHandler(pitches, consistency, exports, json);
        PitchBatchHandler batchHandler = property("reference.batch-limit",
                () -> new PitchBatchHandler(pitches, consistency, json, batchLimit));
        return RouterFunctions.route()
                .GET("/api/pitches/export", pitchHandler::export)
                .GET("/api/pitches/{id}", pitchHandler::byId)
                .GET("/api/pitches", pitchHandler::browse)
                .POST("/api/pitches/batch", batchHandler::create)
                .POST("/api/pitches", pitchHandler::create)
                .filter(ProblemResponses.filter())
                .build();
    }
}
