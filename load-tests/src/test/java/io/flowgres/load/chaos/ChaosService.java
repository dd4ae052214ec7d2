package io.flowgres.load.chaos;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.load.ServiceArguments;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.reference.FlowgresApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The reference service as the chaos run starts it: in this JVM, on 127.0.0.1, against every node
 * of the local cluster, with the cache off (every read reaches the database), writes following a
 * promoted replica after 1 s, and quiet logs. Everything else is the service's defaults: the
 * production pool preset (10-30 connections per node) and the {@code flowgres.availability.*}
 * defaults included.
 */
final class ChaosService {

    private ChaosService() {
    }

    /**
     * Starts the service; it migrates and seeds the demo data on the cluster's primary.
     *
     * @param cluster the cluster to serve from
     * @param port the port to listen on
     * @param pitches how many demo pitches to seed
     * @param cache whether the service caches reads by id (its own default; the issue measures without)
     * @return the running application; close it to stop the service
     */
    static ConfigurableApplicationContext start(LocalCluster cluster, int port, int pitches, boolean cache) {
        List<String> args = new ArrayList<>(List.of(
                "--server.address=127.0.0.1",
                "--server.port=" + port,
                "--flowgres.primary.url=" + cluster.primary().r2dbcUrl(),
                "--flowgres.username=" + cluster.user(),
                "--flowgres.password=" + cluster.password(),
                "--flowgres.cache.enabled=" + cache,
                "--flowgres.availability.failover-after=1s",
                "--reference.users=1000",
                "--reference.pitches=" + pitches,
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN",
                // Every request is slow on a saturated machine; the report has the figures.
                "--logging.level.io.flowgres.metrics.SlowQueryLog=ERROR"));
        // Extra settings for one run, e.g. to compare a routing setting: -Dflowgres.chaos.serviceArgs="--name=value ...".
        args.addAll(ServiceArguments.fromProperty("flowgres.chaos.serviceArgs"));
        for (int i = 0; i < cluster.replicas().size(); i++) {
            LocalNode replica = cluster.replicas().get(i);
            args.add("--flowgres.replicas[" + i + "].name=" + replica.name());
            args.add("--flowgres.replicas[" + i + "].url=" + replica.r2dbcUrl());
        }
        return SpringApplication.run(FlowgresApplication.class, args.toArray(String[]::new));
    }
}
