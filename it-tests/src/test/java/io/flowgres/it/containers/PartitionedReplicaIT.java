package io.flowgres.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.ContainerCluster;
import io.flowgres.local.ContainerNode;
import io.flowgres.query.Query;
import io.flowgres.routing.NodeView;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import reactor.core.publisher.Flux;

/**
 * What only containers can do: a replica cut off the network, so that connections to it hang
 * instead of being refused. Reads keep being answered by the other nodes while it is cut off, the
 * prober takes it out, and it returns after the partition heals.
 */
@FlowgresCluster(replicas = 2)
@EnabledIfEnvironmentVariable(named = "FLOWGRES_TEST_BACKEND", matches = "testcontainers",
        disabledReason = "a network partition needs containers")
final class PartitionedReplicaIT {

    private static final Query READ = Query.named("partition.read");

    @Test
    void readsAvoidAPartitionedReplicaWhoseConnectionsHang(ContainerCluster cluster) {
        ContainerNode cut = cluster.replicas().get(0);
        try (Flowgres flowgres = Flowgres.create(cluster.clusterConfig()
                .pool(PoolPolicy.test().toBuilder().maxCreateConnectionTime(Duration.ofSeconds(2)).build())
                .queryTimeout(Duration.ofSeconds(20))
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .build())) {
            cut.partition();
            try {
                List<Integer> answers = Flux.range(0, 100)
                        .flatMap(i -> flowgres.read(READ, connection -> Flux.from(connection
                                        .createStatement("SELECT 1").execute())
                                .flatMap(result -> result.map(row -> row.get(0, Integer.class)))), 8)
                        .collectList()
                        .block(Duration.ofSeconds(120));

                assertThat(answers).hasSize(100).containsOnly(1);
                assertThat(cut.isPartitioned()).as("answered while the replica was cut off").isTrue();
                Await.probed(flowgres, "the prober to take the partitioned replica out",
                        () -> "down".equals(status(flowgres, cut.name())), Duration.ofSeconds(20));
            } finally {
                cut.heal();
            }
            Await.probed(flowgres, "the healed replica to return", () -> "up".equals(status(flowgres, cut.name())),
                    Duration.ofSeconds(60));
        }
    }

    private static String status(Flowgres flowgres, String node) {
        return flowgres.topology().node(node).map(NodeView::status).orElseThrow();
    }
}
