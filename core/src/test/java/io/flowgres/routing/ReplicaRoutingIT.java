package io.flowgres.routing;

import static io.flowgres.ClusterTesting.closeAll;
import static io.flowgres.ClusterTesting.await;
import static io.flowgres.ClusterTesting.execute;
import static io.flowgres.ClusterTesting.join;
import static io.flowgres.ClusterTesting.sleep;
import static io.flowgres.ClusterTesting.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.flowgres.query.Committed;
import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.query.UnavailableException;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.internal.metrics.QueryMetrics;
import io.flowgres.cluster.PoolPolicy;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Replica routing on a real primary with two streaming replicas, which the tests lag, freeze and
 * kill on purpose. Probes run every 200 ms; a replica may be 1 s behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ReplicaRoutingIT {

    private static final Duration PROBE = Duration.ofMillis(200);

    private LocalCluster cluster;
    private Flowgres flowgres;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
        flowgres = Flowgres.create(ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .replica(NodeConfig.of("replica-1", cluster.replicas().get(0).r2dbcUrl()).withWeight(3))
                .replica(NodeConfig.of("replica-2", cluster.replicas().get(1).r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.test())
                .routing(RoutingPolicy.builder().probeInterval(PROBE).probeTimeout(Duration.ofMillis(500))
                        .maxLag(Duration.ofSeconds(1)).ejection(Duration.ofMillis(500), Duration.ofSeconds(2))
                        .build())
                .build());
        write("CREATE TABLE routed (id int PRIMARY KEY, note text)");
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        closeAll(flowgres, cluster);
    }

    @Test
    @Order(1)
    void readsSpreadRoughlyByWeightAndWritesStayOnThePrimary() {
        long one = attempts("routing.spread", "replica-1");
        long two = attempts("routing.spread", "replica-2");
        for (int i = 0; i < 400; i++) {
            assertThat(read(Query.named("routing.spread"), "SELECT pg_is_in_recovery()::text")).containsExactly("true");
        }
        double ratio = (double) (attempts("routing.spread", "replica-1") - one)
                / (attempts("routing.spread", "replica-2") - two);
        // Weights divide a cost that also holds each replica's peak-sensitive latency (first-query peaks
        // linger for seconds, and the busier replica sees more of them): the split leans towards the
        // weights without matching them. Measured 2.6 to 3.7 over four runs (1.45 at worst while the
        // balancer was being tuned); equal weights give about 1. PowerOfTwoChoicesBalancerTest pins
        // the exact odds at equal latency (75 % : 25 %).
        assertThat(ratio).as("weight 3 : weight 1").isBetween(1.25, 6.0);

        long writesBefore = attemptsByRole("routing.write", "primary");
        for (int i = 0; i < 20; i++) {
            write("INSERT INTO routed VALUES (" + (1000 + i) + ", 'w')");
        }
        assertThat(attemptsByRole("routing.write", "primary") - writesBefore).isEqualTo(20);
        assertThat(attemptsByRole("routing.write", "replica")).isZero();
    }

    @Test
    @Order(2)
    void idlePrimaryDoesNotMakeCaughtUpReplicasStale() {
        cluster.awaitReplication(Duration.ofSeconds(30));
        sleep(Duration.ofMillis(2500)); // longer than maxLag with no writes at all
        assertThat(flowgres.topology().nodes()).allSatisfy(node -> {
            assertThat(node.status()).isEqualTo("up");
            assertThat(node.lagSeconds()).isZero();
        });
    }

    @Test
    @Order(3)
    void laggingReplicaLeavesRotationAndReturnsWhenCaughtUp() {
        LocalNode lagging = cluster.replicas().get(0);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger id = new AtomicInteger(2000);
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                write("INSERT INTO routed VALUES (" + id.incrementAndGet() + ", 'lag')");
                sleep(Duration.ofMillis(50));
            }
        });
        lagging.setApplyDelay(Duration.ofSeconds(4));
        writer.start();
        try {
            await(() -> status("replica-1").equals("lagging"), Duration.ofSeconds(5));
            long before = attempts("routing.whileLagging", "replica-1");
            for (int i = 0; i < 100; i++) {
                read(Query.named("routing.whileLagging"), "SELECT 1::text");
            }
            assertThat(attempts("routing.whileLagging", "replica-1") - before).as("reads sent to the lagging replica")
                    .isZero();
        } finally {
            writing.set(false);
            join(writer);
            lagging.setApplyDelay(Duration.ZERO);
        }
        await(() -> status("replica-1").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    @Order(4)
    void frozenReplicaFailsNoReadAndReturnsAfterResume() {
        LocalNode frozen = cluster.replicas().get(1);
        frozen.pause();
        try {
            for (int i = 0; i < 60; i++) {
                assertThat(read(Query.named("routing.frozen").withTimeout(Duration.ofSeconds(5)), "SELECT 1::text"))
                        .containsExactly("1");
            }
            await(() -> status("replica-2").equals("down"), Duration.ofSeconds(5));
        } finally {
            frozen.resume();
        }
        await(() -> status("replica-2").equals("up"), Duration.ofSeconds(10));
    }

    @Test
    @Order(5)
    void killedReplicaFailsNoReadAndReturnsAfterRestart() {
        LocalNode killed = cluster.replicas().get(0);
        killed.kill();
        try {
            for (int i = 0; i < 100; i++) {
                assertThat(read(Query.named("routing.killed"), "SELECT 1::text")).containsExactly("1");
            }
            await(() -> status("replica-1").equals("down"), Duration.ofSeconds(5));
        } finally {
            killed.start();
        }
        await(() -> status("replica-1").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    @Order(6)
    void withEveryReplicaDownPreferredReadsUseThePrimaryAndReplicaOnlyFailsFast() {
        cluster.replicas().forEach(LocalNode::kill);
        try {
            await(() -> status("replica-1").equals("down") && status("replica-2").equals("down"),
                    Duration.ofSeconds(5));
            assertThat(read(Query.named("routing.fallback"), "SELECT pg_is_in_recovery()::text"))
                    .containsExactly("false");
            long started = System.nanoTime();
            flowgres.read(Query.named("routing.replicaOnly").withRoute(Route.REPLICA_ONLY),
                            connection -> strings(connection, "SELECT 1::text"))
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(UnavailableException.class)
                            .hasMessageContaining("no replica available"))
                    .verify(Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("fails fast, no waiting for a replica")
                    .isLessThan(Duration.ofSeconds(2));
        } finally {
            cluster.replicas().forEach(LocalNode::start);
        }
        await(() -> status("replica-1").equals("up") && status("replica-2").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    @Order(7)
    void aReadWithTheTokenOfAWriteAlwaysSeesIt() {
        cluster.replicas().get(0).setApplyDelay(Duration.ofSeconds(2));
        int onReplicas = 0;
        try {
            for (int i = 0; i < 150; i++) {
                int id = 10_000 + i;
                Committed<Long> committed = flowgres.writeCommitted(Query.named("routing.rywWrite"),
                                connection -> execute(connection, "INSERT INTO routed VALUES (" + id + ", 'mine')"))
                        .block(Duration.ofSeconds(10));
                if (i % 3 == 0) {
                    sleep(PROBE.multipliedBy(2)); // let some reads find a replica the probes saw catch up
                }
                long before = attemptsByRole("routing.rywRead", "replica");
                assertThat(read(Query.named("routing.rywRead").withConsistency(committed.token()),
                        "SELECT count(*)::text FROM routed WHERE id = " + id))
                        .as("write %s visible to its token's read", id).containsExactly("1");
                onReplicas += (int) (attemptsByRole("routing.rywRead", "replica") - before);
            }
        } finally {
            cluster.replicas().get(0).setApplyDelay(Duration.ZERO);
        }
        assertThat(onReplicas).as("some token reads were served by a caught-up replica").isPositive();
    }

    @Test
    @Order(8)
    void perRequestStalenessBudgetIsTighterThanTheClusters() {
        cluster.replicas().get(1).setApplyDelay(Duration.ofMillis(700));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger id = new AtomicInteger(20_000);
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                write("INSERT INTO routed VALUES (" + id.incrementAndGet() + ", 'budget')");
                sleep(Duration.ofMillis(50));
            }
        });
        writer.start();
        try {
            await(() -> lagSeconds("replica-2") > 0.3, Duration.ofSeconds(5));
            long before = attempts("routing.budget", "replica-2");
            for (int i = 0; i < 50; i++) {
                flowgres.read(Query.named("routing.budget"), connection -> strings(connection, "SELECT 1::text"))
                        .contextWrite(Staleness.atMost(Duration.ofMillis(100)))
                        .blockLast(Duration.ofSeconds(5));
            }
            assertThat(status("replica-2")).as("within the cluster's 1 s bound").isEqualTo("up");
            assertThat(attempts("routing.budget", "replica-2") - before).as("reads over the 100 ms budget")
                    .isZero();
        } finally {
            writing.set(false);
            join(writer);
            cluster.replicas().get(1).setApplyDelay(Duration.ZERO);
        }
    }

    private String status(String node) {
        return view(node).status();
    }

    private double lagSeconds(String node) {
        return view(node).lagSeconds();
    }

    private NodeView view(String node) {
        return flowgres.topology().nodes().stream().filter(view -> view.name().equals(node)).findFirst()
                .orElseThrow();
    }

    private List<String> read(Query query, String sql) {
        return flowgres.read(query, connection -> strings(connection, sql)).collectList()
                .block(Duration.ofSeconds(20));
    }

    private void write(String sql) {
        flowgres.write(Query.named("routing.write"), connection -> execute(connection, sql))
                .blockLast(Duration.ofSeconds(20));
    }

    private long attempts(String query, String node) {
        return flowgres.meterRegistry().find(QueryMetrics.QUERY_TIMER).tag("query", query).tag("node", node)
                .timers().stream().mapToLong(Timer::count).sum();
    }

    private long attemptsByRole(String query, String role) {
        return flowgres.meterRegistry().find(QueryMetrics.QUERY_TIMER).tag("query", query).tag("role", role)
                .timers().stream().mapToLong(Timer::count).sum();
    }
}
