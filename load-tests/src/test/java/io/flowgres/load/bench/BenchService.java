package io.flowgres.load.bench;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.reference.FlowgresApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The reference service started in-process for a benchmark: on a random port, against every node
 * of a local cluster, with the staging pool preset, 1,000 demo users and quiet logs.
 */
final class BenchService {

    private BenchService() {
    }

    /**
     * Starts the service; it seeds the demo data on the cluster's primary.
     *
     * @param cluster the cluster to serve from
     * @param pitches how many demo pitches to seed
     * @param extraArguments further {@code --name=value} arguments
     * @return the running application; close it to stop the service
     */
    static ConfigurableApplicationContext start(LocalCluster cluster, int pitches, String... extraArguments) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--flowgres.primary.url=" + cluster.primary().r2dbcUrl(),
                "--flowgres.username=" + cluster.user(),
                "--flowgres.password=" + cluster.password(),
                "--flowgres.pool.preset=staging",
                "--reference.users=1000",
                "--reference.pitches=" + pitches,
                "--logging.level.root=WARN"));
        for (int i = 0; i < cluster.replicas().size(); i++) {
            LocalNode replica = cluster.replicas().get(i);
            args.add("--flowgres.replicas[" + i + "].name=" + replica.name());
            args.add("--flowgres.replicas[" + i + "].url=" + replica.r2dbcUrl());
        }
        args.addAll(List.of(extraArguments));
        return SpringApplication.run(FlowgresApplication.class, args.toArray(String[]::new));
    }
}
