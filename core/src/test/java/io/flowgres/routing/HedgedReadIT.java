package io.flowgres.routing;

import static io.flowgres.ClusterTesting.closeAll;
import static io.flowgres.ClusterTesting.sleep;
import static io.flowgres.ClusterTesting.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.cluster.PoolPolicy;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;

/**
 * Hedged reads on a real primary with two streaming replicas, one of them frozen (SIGSTOP) and still
 * in rotation (probes are too rare to notice within the test): reads that round robin sends to the
 * frozen replica answer from the other one once the hedging delay passes, while without hedging
 * such a read waits for the frozen replica; and the default balancer sends no new read to a replica
 * that has a read stuck on it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class HedgedReadIT {

    private static final Query READ = Query.named("hedge.read");

    private LocalCluster cluster;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
    }

    @AfterAll
    void stop() {
        closeAll(cluster);
    }

    @Test
    void aReadStuckOnAFrozenReplicaIsAnsweredByTheHedge() {
        LocalNode frozen = cluster.replicas().get(1);
        try (Flowgres hedged = flowgres(Duration.ofMillis(100)); Flowgres plain = flowgres(null)) {
            warmUp(hedged);
            warmUp(plain);
            frozen.pause();
            try {
                // Round robin alternates the two replicas, so half of these start on the frozen one.
                for (int i = 0; i < 6; i++) {
                    assertThat(hedged.read(READ, connection -> strings(connection, "SELECT 'answered'"))
                            .blockLast(Duration.ofSeconds(5))).isEqualTo("answered");
                }
                assertThat(hedges(hedged)).as("hedges started").isGreaterThanOrEqualTo(1);

                assertThatThrownBy(() -> {
                    for (int i = 0; i < 2; i++) {
                        plain.read(READ, connection -> strings(connection, "SELECT 'answered'"))
                                .blockLast(Duration.ofSeconds(3));
                    }
                }).as("without hedging, the read sent to the frozen replica waits for it")
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Timeout");
            } finally {
                frozen.resume();
            }
        }
    }

    @Test
    void aReplicaWithAReadStuckOnItTakesNoNewReads() {
        LocalNode frozen = cluster.replicas().get(1);
        try (Flowgres flowgres = flowgres(null, new PowerOfTwoChoicesBalancer(new SplittableRandom(3)))) {
            warmUp(flowgres);
            frozen.pause();
            List<Disposable> stuck = new ArrayList<>();
            try {
                // Reads in the background until one is stuck on the frozen replica.
                for (int i = 0; i < 40 && flowgres.node(frozen.name()).inFlight() == 0; i++) {
                    stuck.add(flowgres.read(READ, connection -> strings(connection, "SELECT 'late'")).subscribe());
                    sleep(Duration.ofMillis(50));
                }
                int stuckOnFrozen = flowgres.node(frozen.name()).inFlight();
                assertThat(stuckOnFrozen).as("a read is stuck on the frozen replica").isPositive();
                sleep(Duration.ofMillis(100));

                for (int i = 0; i < 200; i++) {
                    assertThat(flowgres.read(READ, connection -> strings(connection, "SELECT 'answered'"))
                            .blockLast(Duration.ofSeconds(3))).isEqualTo("answered");
                }
                assertThat(flowgres.node(frozen.name()).inFlight()).as("no new read went to the stalled replica")
                        .isEqualTo(stuckOnFrozen);
            } finally {
                stuck.forEach(Disposable::dispose);
                frozen.resume();
            }
        }
    }

    private Flowgres flowgres(Duration hedgeAfter) {
        return flowgres(hedgeAfter, new RoundRobinBalancer());
    }

    private Flowgres flowgres(Duration hedgeAfter, Balancer balancer) {
        ClusterConfig.Builder config = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.test())
                // Probes every 30 s: the frozen replica stays in rotation for the whole test.
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofSeconds(30)).hedgeAfter(hedgeAfter)
                        .build());
        for (LocalNode replica : cluster.replicas()) {
            config.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        return Flowgres.builder(config.build()).balancer(balancer).build();
    }

    private static void warmUp(Flowgres flowgres) {
        for (int i = 0; i < 4; i++) {
            flowgres.read(READ, connection -> strings(connection, "SELECT 1")).blockLast(Duration.ofSeconds(10));
        }
    }

    private static double hedges(Flowgres flowgres) {
        return flowgres.meterRegistry().find("flowgres.retries").tag("query", READ.name()).tag("reason", "hedge")
                .counters().stream().mapToDouble(Counter::count).sum();
    }
}
