package io.flowgres.web.demo;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.paging.CursorCodec;
import io.flowgres.web.autoconfigure.InvalidFlowgresPropertyException;
import io.flowgres.web.problem.ProblemResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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

    /** Creates the configuration. */
    public DemoConfiguration() {
    }

    /**
     * Migrates and seeds the demo database.
     *
     * @param config the cluster
     * @param localCluster the embedded cluster, if any
     * @param users users to seed into an empty database
     * @param pitches pitches to seed into an empty database
     * @return the prepared database
     */
    @Bean
    public DemoDatabase demoDatabase(ClusterConfig config, ObjectProvider<LocalCluster> localCluster,
            @Value("${flowgres.demo.users:1000}") long users, @Value("${flowgres.demo.pitches:100000}") long pitches) {
        return DemoDatabase.prepare(config, users, pitches, localCluster.getIfAvailable());
    }

    /**
     * Signs browse cursors.
     *
     * @param secret the shared secret; when empty, a random one (cursors then die with the process)
     * @return the codec
     */
    @Bean
    public CursorCodec cursorCodec(@Value("${flowgres.demo.cursor-secret:}") String secret) {
        if (secret.isEmpty()) {
            log.warn("flowgres.demo.cursor-secret is not set: using a random secret, so cursors do not survive a "
                    + "restart and do not work across instances");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return new CursorCodec(random);
        }
        return new CursorCodec(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The pitch data access.
     *
     * @param flowgres the facade
     * @param cursors the cursor codec
     * @param database the prepared database (a dependency so no request runs before seeding)
     * @param cache the query cache
     * @return the repository
     */
    @Bean
    public PitchRepository pitchRepository(Flowgres flowgres, CursorCodec cursors, DemoDatabase database,
            QueryCache cache) {
        return new PitchRepository(flowgres, cursors, cache);
    }

    /**
     * The reference service's routes.
     *
     * @param pitches the pitch repository
     * @param flowgres the facade
     * @param json the application's JSON mapper, for the batch endpoint's own decoder
     * @param batchLimit the largest number of pitches one {@code POST /api/pitches/batch} creates
     * @return the routes, wrapped by the problem mapper
     * @throws InvalidFlowgresPropertyException when {@code flowgres.demo.batch-limit} is out of range
     */
    @Bean
    public RouterFunction<ServerResponse> demoRoutes(PitchRepository pitches, Flowgres flowgres, JsonMapper json,
            @Value("${flowgres.demo.batch-limit:" + PitchBatchHandler.DEFAULT_BATCH_LIMIT + "}") int batchLimit) {
        PitchHandler pitchHandler = new PitchHandler(pitches);
        PitchBatchHandler batchHandler;
        try {
            batchHandler = new PitchBatchHandler(pitches, json, batchLimit);
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.demo.batch-limit", e.getMessage(), e);
        }
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
