package io.flowgres.load.bench.plain;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.r2dbc.FlowgresRouting;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * The benchmark's plain contender: Spring WebFlux and {@link DatabaseClient} (or a Spring Data
 * repository, {@link Read}) on a bare {@code r2dbc-pool} pointed at one node, serving
 * {@code GET /api/pitches/{id}} with the reference service's JSON, and nothing else of Flowgres. In its own package, so that it scans none of the
 * reference service's components; Flowgres's auto-configurations are excluded, while Boot's own
 * (WebFlux, Jackson, Actuator and its HTTP observations, as the shared classpath brings them) are
 * the same as the reference service's.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class PlainWebFluxApplication {

    /** How the service reads a pitch. */
    public enum Read {
        /** {@code DatabaseClient} with the reference service's SQL. */
        DATABASE_CLIENT,
        /** The Spring Data repository's {@code findById} ({@link PlainPitchRepository}). */
        REPOSITORY
    }

    /** Not instantiated by hand; Spring creates it. */
    public PlainWebFluxApplication() {
    }

    /**
     * Starts the service on a free port of 127.0.0.1.
     *
     * @param url the R2DBC URL of the node to read from
     * @param user the database user
     * @param password the password
     * @param initialSize connections opened at start
     * @param maxSize the pool's size
     * @param read how it reads a pitch
     * @return the running application; close it to stop the service and its pool
     */
    public static ConfigurableApplicationContext start(String url, String user, String password, int initialSize,
            int maxSize, Read read) {
        return start(url, user, password, initialSize, maxSize, "", read);
    }

    /**
     * Starts the same service with Flowgres's routing {@code ConnectionFactory} over a primary and
     * replicas as its connection factory instead of a bare pool: the drop-in case, where the
     * application's code does not change (its reads are marked read-only in both).
     *
     * @param primaryUrl the primary's R2DBC URL
     * @param replicaUrl the replica's R2DBC URL
     * @param user the database user
     * @param password the password
     * @param read how it reads a pitch
     * @return the running application; close it to stop the service and Flowgres
     */
    public static ConfigurableApplicationContext startOnFlowgres(String primaryUrl, String replicaUrl, String user,
            String password, Read read) {
        return start(primaryUrl, user, password, 0, 1, replicaUrl, read);
    }

    private static ConfigurableApplicationContext start(String url, String user, String password, int initialSize,
            int maxSize, String flowgresReplicaUrl, Read read) {
        List<String> flowgres = new ArrayList<>();
        for (String candidate : ImportCandidates.load(AutoConfiguration.class,
                PlainWebFluxApplication.class.getClassLoader())) {
            if (candidate.startsWith("io.flowgres.")) {
                flowgres.add(candidate);
            }
        }
        return new SpringApplicationBuilder(PlainWebFluxApplication.class).run(
                // Not the reference service's application.properties, which is on the same classpath.
                "--spring.config.name=plain-webflux",
                "--spring.application.name=plain-webflux",
                "--spring.autoconfigure.exclude=" + String.join(",", flowgres),
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--logging.level.root=WARN",
                "--spring.main.banner-mode=off",
                "--plain.r2dbc.url=" + url,
                "--plain.r2dbc.username=" + user,
                "--plain.r2dbc.password=" + password,
                "--plain.r2dbc.initial-size=" + initialSize,
                "--plain.r2dbc.max-size=" + maxSize,
                "--plain.flowgres.replica-url=" + flowgresReplicaUrl,
                "--plain.read=" + read);
    }

    /**
     * The pool, warmed up at start and disposed with the context.
     *
     * @param environment holds the {@code plain.r2dbc.*} settings
     * @return the pool
     */
    @Bean(destroyMethod = "dispose")
    @ConditionalOnExpression("'${plain.flowgres.replica-url:}'.isEmpty()")
    ConnectionPool plainConnectionPool(Environment environment) {
        ConnectionPool pool = PlainPools.create("plain-webflux", environment.getRequiredProperty("plain.r2dbc.url"),
                environment.getRequiredProperty("plain.r2dbc.username"),
                environment.getRequiredProperty("plain.r2dbc.password"),
                environment.getRequiredProperty("plain.r2dbc.initial-size", Integer.class),
                environment.getRequiredProperty("plain.r2dbc.max-size", Integer.class));
        pool.warmup().block();
        return pool;
    }

    /**
     * The database client on the application's connection factory (the pool, or Flowgres's).
     *
     * @param connectionFactory the connection factory
     * @return the client
     */
    @Bean
    DatabaseClient plainDatabaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }

    /**
     * The drop-in contender's Flowgres: the primary and one replica, staging pools, probes on.
     *
     * @param environment holds the {@code plain.r2dbc.*} and {@code plain.flowgres.*} settings
     * @return the facade, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnExpression("!'${plain.flowgres.replica-url:}'.isEmpty()")
    Flowgres dropInFlowgres(Environment environment) {
        return Flowgres.create(ClusterConfig.builder()
                .primary(environment.getRequiredProperty("plain.r2dbc.url"))
                .replica(environment.getRequiredProperty("plain.flowgres.replica-url"))
                .credentials(environment.getRequiredProperty("plain.r2dbc.username"),
                        environment.getRequiredProperty("plain.r2dbc.password"))
                .pool(PoolPolicy.staging())
                .build());
    }

    /**
     * Flowgres's routing factory as the application's connection factory, as the starter makes it.
     *
     * @param flowgres the facade
     * @return the factory
     */
    @Bean
    @ConditionalOnExpression("!'${plain.flowgres.replica-url:}'.isEmpty()")
    ConnectionFactory dropInConnectionFactory(Flowgres flowgres) {
        return flowgres.connectionFactory();
    }

    /**
     * {@code GET /api/pitches/{id}}: one pitch as JSON, or 404.
     *
     * @param client the database client
     * @param repository the repository
     * @param read how a pitch is read
     * @return the route
     */
    @Bean
    RouterFunction<ServerResponse> plainPitchRoutes(DatabaseClient client, PlainPitchRepository repository,
            @Value("${plain.read}") Read read) {
        return RouterFunctions.route().GET("/api/pitches/{id}", request -> {
            long id = Long.parseLong(request.pathVariable("id"));
            Mono<PlainPitch> found = read == Read.REPOSITORY ? repository.findById(id)
                    : client.sql(PlainPitch.BY_ID_SQL).bind(0, id).map(PlainPitch::of).one();
            // Marked read-only, as a drop-in application marks its reads: a bare pool ignores the mark.
            return found.contextWrite(FlowgresRouting.readOnly())
                    .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                            "pitch " + id + " does not exist")))
                    .flatMap(pitch -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(pitch));
        }).build();
    }
}
