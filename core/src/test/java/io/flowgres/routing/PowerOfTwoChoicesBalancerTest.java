package io.flowgres.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeRole;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * The balancer's choice between two candidates, on nodes whose latency averages are set directly
 * (the pools never connect, so nothing is ever stalled): inverse-cost odds between replicas,
 * weights honoured, and a replica whose average is far beyond its rival's left alone. Excluding a
 * replica stalled now needs work stuck on a real server: {@code HedgedReadIT} and the routing
 * benchmark exercise it.
 */
final class PowerOfTwoChoicesBalancerTest {

    private static final long MS = 1_000_000;
    private static final int PICKS = 20_000;

    private final ClusterConfig cluster = ClusterConfig.builder().primary("r2dbc:postgresql://127.0.0.1:1/none")
            .credentials("user", "password").build();
    private final PowerOfTwoChoicesBalancer balancer = new PowerOfTwoChoicesBalancer(new SplittableRandom(7));
    private Node fast;
    private Node other;

    @AfterEach
    void close() {
        for (Node node : new Node[] {fast, other}) {
            if (node != null) {
                node.close().block();
            }
        }
    }

    @Test
    void comparableReplicasShareByInverseCost() {
        fast = replica("fast", 1, 1 * MS);
        other = replica("other", 1, 2 * MS);

        assertThat(share(other)).as("cost 2 against 1: a third of the reads").isBetween(0.30, 0.37);
    }

    @Test
    void weightsSplitEquallyFastReplicas() {
        fast = replica("heavy", 3, 1 * MS);
        other = replica("light", 1, 1 * MS);

        assertThat(share(other)).as("weights 3 : 1").isBetween(0.22, 0.28);
    }

    @Test
    void aReplicaThatWasSlowButIsNotStalledKeepsItsInverseCostShare() {
        fast = replica("fast", 1, 1 * MS);
        other = replica("slow", 1, 5 * MS);

        assertThat(share(other)).as("cost 5 against 1, nothing stuck on it: a sixth").isBetween(0.14, 0.20);
    }

    @Test
    void aReplicaWhoseAverageStillHoldsAFreezeIsLeftAlone() {
        fast = replica("fast", 1, 1 * MS);
        other = replica("slow", 1, 20 * MS);

        assertThat(share(other)).as("cost 20 against 1 is beyond 4 x 4").isZero();
    }

    @Test
    void theGapsAreMeasuredBeyondTheWeights() {
        fast = replica("heavy", 3, 1 * MS);
        other = replica("light", 1, 2 * MS);
        assertThat(share(other)).as("cost 2 against 1/3: inverse odds").isBetween(0.11, 0.18);

        other.state().recordLatency(20 * MS, System.nanoTime());
        assertThat(share(other)).as("cost 20 against 1/3 is beyond 4 x 4 x the weight ratio").isZero();
    }

    private double share(Node node) {
        List<Node> eligible = List.of(fast, other);
        int chosen = 0;
        for (int i = 0; i < PICKS; i++) {
            if (balancer.pick(eligible) == node) {
                chosen++;
            }
        }
        return (double) chosen / PICKS;
    }

    private Node replica(String name, double weight, long latencyNanos) {
        Node node = Node.open(NodeConfig.of(name, "r2dbc:postgresql://127.0.0.1:1/none").withWeight(weight),
                NodeRole.REPLICA, cluster, CircuitBreaker.ofDefaults(name), Schedulers.parallel());
        // Far in the future: the old average has decayed away and the sample is the average.
        node.state().recordLatency(latencyNanos, System.nanoTime() + 1_000_000 * MS);
        return node;
    }
}
