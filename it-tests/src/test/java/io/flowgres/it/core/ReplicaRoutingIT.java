package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.LagWithoutWriter;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.it.Sql;
import io.flowgres.local.ContainerCluster;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Committed;
import io.flowgres.query.Query;
import io.flowgres.query.UnavailableException;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Route;
import io.flowgres.routing.Staleness;
import io.flowgres.routing.Topology;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Replica routing on a real primary with two streaming replicas, which the tests lag, freeze and
 * kill on purpose. Probes run every 200 ms; a replica may be 1 s behind. Each test starts from a
 * cluster that routing sees up and restores what it broke.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ReplicaRoutingIT {

    private static final Duration PROBE = Duration.ofMillis(200);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private Flowgres flowgres;

    ReplicaRoutingIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = facade();
        write("CREATE TABLE routed (id int PRIMARY KEY, note text)");
        cluster.awaitReplication(SETTLE);
    }

    /** A facade on the cluster with explicit nodes: replica-1 weighs 3. */
    private Flowgres facade() {
        return facade(RoutingPolicy.DEFAULT_EWMA_DECAY, 3, 1);
    }

    /** A facade on the cluster with explicit nodes, weights and latency decay. */
    private Flowgres facade(Duration decay, double weight1, double weight2) {
        return facade(decay, weight1, weight2, RoutingPolicy.DEFAULT_LAG_WITHOUT_WRITER);
    }

    /** A facade on the cluster with explicit nodes, weights, latency decay and lag without a writer. */
    private Flowgres facade(Duration decay, double weight1, double weight2, LagWithoutWriter withoutWriter) {
        return Flowgres.create(ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .replica(NodeConfig.of("replica-1", cluster.replicas().get(0).r2dbcUrl()).withWeight(weight1))
                .replica(NodeConfig.of("replica-2", cluster.replicas().get(1).r2dbcUrl()).withWeight(weight2))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.test())
                .routing(RoutingPolicy.builder().probeInterval(PROBE).probeTimeout(Duration.ofMillis(500))
                        .maxLag(Duration.ofSeconds(1)).ejection(Duration.ofMillis(500), Duration.ofSeconds(2))
                        .ewmaDecay(decay).lagWithoutWriter(withoutWriter).build())
                .build());
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @BeforeEach
    void everyNodeUp() {
        for (PostgresNode node : cluster.nodes()) {
            if (node.isPaused()) {
                node.resume();
            }
            if (!node.isRunning()) {
                node.start();
            }
        }
        Await.everyNodeUp(flowgres, SETTLE);
    }

    @Test
    void readsSpreadRoughlyByWeightAndWritesStayOnThePrimary() {
        // The balancer divides a latency by the weight, so a split of sequential reads measures the
        // weights times the two replicas' latency ratio, and the peak-sensitive average makes that ratio
        // one draw per run: with the default decay (10 s) a single peak (a first query, a pause of this
        // JVM, Docker's port proxy) holds for the whole run, and the split of one facade measured 0.97
        // to 8.8 for weights 3 : 1. Three things take the latencies out. Two facades with the weights
        // swapped read in turns, so whatever makes one replica slower than the other tilts their splits
        // in opposite directions and their geometric mean cancels it; a short decay (100 ms) lets a run
        // average many latency draws instead of one; and every read takes 5 ms on the server, so a
        // sub-millisecond jitter no longer decides which replica looks cheaper (on bare 0.3 ms reads a
        // busy machine's jitter made the costs a coin toss whatever the weights: one CI run measured
        // 1.88 and, swapped, 0.99). Measured 2.55 to 2.84 over six runs, two of them with both cores
        // kept busy by other processes; the bounds catch a weight ignored (1) or applied twice (9).
        // PowerOfTwoChoicesBalancerTest pins the exact odds at equal latency (75 % : 25 %).
        Duration shortDecay = Duration.ofMillis(100);
        double favoured;
        double swapped;
        try (Flowgres one = facade(shortDecay, 3, 1); Flowgres two = facade(shortDecay, 1, 3)) {
            List<Flowgres> both = List.of(one, two);
            for (Flowgres facade : both) {
                Await.everyNodeUp(facade, SETTLE);
            }
            for (int i = 0; i < 100; i++) {
                for (Flowgres facade : both) {
                    assertThat(recoveringAfter5Millis(facade, "routing.warmUp")).containsExactly("true");
                }
            }
            for (int i = 0; i < 400; i++) {
                for (Flowgres facade : both) {
                    assertThat(recoveringAfter5Millis(facade, "routing.spread")).containsExactly("true");
                }
            }
            favoured = (double) attempts(one, "routing.spread", "replica-1")
                    / attempts(one, "routing.spread", "replica-2");
            swapped = (double) attempts(two, "routing.spread", "replica-2")
                    / attempts(two, "routing.spread", "replica-1");
        }
        assertThat(Math.sqrt(favoured * swapped))
                .as("weight 3 : weight 1, measured %.2f and, weights swapped, %.2f", favoured, swapped)
                .isBetween(1.8, 5.0);

        long writesBefore = attemptsByRole("routing.write", "primary");
        for (int i = 0; i < 20; i++) {
            write("INSERT INTO routed VALUES (" + (1000 + i) + ", 'w')");
        }
        assertThat(attemptsByRole("routing.write", "primary") - writesBefore).isEqualTo(20);
        assertThat(attemptsByRole("routing.write", "replica")).isZero();
    }

    @Test
    void idlePrimaryDoesNotMakeCaughtUpReplicasStale() {
        cluster.awaitReplication(SETTLE);
        Await.probed(flowgres, "replicas caught up", () -> flowgres.topology().nodes().stream()
                .allMatch(node -> node.lagSeconds() == 0), SETTLE);

        // Probe rounds over 2.6 s, longer than maxLag, with no writes at all: every one sees the same.
        List<Topology> rounds = Flux.interval(Duration.ZERO, PROBE).take(14)
                .concatMap(tick -> flowgres.probeNow().then(Mono.fromSupplier(flowgres::topology)))
                .collectList().block(SETTLE);
        assertThat(rounds).hasSize(14).allSatisfy(topology -> assertThat(topology.nodes()).allSatisfy(node -> {
            assertThat(node.status()).isEqualTo("up");
            assertThat(node.lagSeconds()).isZero();
        }));
    }

    @Test
    void laggingReplicaLeavesRotationAndReturnsWhenCaughtUp() {
        PostgresNode lagging = cluster.replicas().get(0);
        AtomicInteger id = new AtomicInteger(2000);
        lagging.setApplyDelay(Duration.ofSeconds(4));
        Disposable writer = writeEvery50Millis(id, "lag");
        try {
            Await.probed(flowgres, "replica-1 lagging", () -> status("replica-1").equals("lagging"),
                    Duration.ofSeconds(5));
            long before = attempts("routing.whileLagging", "replica-1");
            for (int i = 0; i < 100; i++) {
                read(Query.named("routing.whileLagging"), "SELECT 1::text");
            }
            assertThat(attempts("routing.whileLagging", "replica-1") - before).as("reads sent to the lagging replica")
                    .isZero();
        } finally {
            writer.dispose();
            lagging.setApplyDelay(Duration.ZERO);
        }
        Await.probed(flowgres, "replica-1 back up", () -> status("replica-1").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    void aLaggingReplicaStaysOutWhileThePrimaryCannotBeProbed() {
        PostgresNode lagging = cluster.replicas().get(0);
        AtomicInteger id = new AtomicInteger(30_000);
        lagging.setApplyDelay(Duration.ofSeconds(4));
        Disposable writer = writeEvery50Millis(id, "unknown-lag");
        try {
            Await.probed(flowgres, "replica-1 lagging", () -> status("replica-1").equals("lagging"),
                    Duration.ofSeconds(5));
            writer.dispose();
            // A frozen primary answers no probe: the replicas' lag cannot be measured against it any more.
            cluster.primary().pause();
            Await.probed(flowgres, "primary down", () -> !status("primary").equals("up"), Duration.ofSeconds(5));
            assertThat(view("replica-1").lagKnown()).as("replica-1's lag known").isFalse();

            // Replica-only reads fail fast when no replica is fresh enough, so they never touch the primary.
            long before = attempts("routing.unknownLag", "replica-1");
            List<Boolean> served = Flux.range(0, 1000)
                    .flatMap(i -> flowgres.read(Query.named("routing.unknownLag").withRoute(Route.REPLICA_ONLY),
                                    connection -> strings(connection, "SELECT 1::text"))
                            .then(Mono.just(Boolean.TRUE)).onErrorReturn(Boolean.FALSE), 4)
                    .collectList().block(Duration.ofSeconds(60));
            assertThat(served).hasSize(1000);
            assertThat(attempts("routing.unknownLag", "replica-1") - before)
                    .as("reads sent to the replica whose last known lag was over maxLag").isZero();
        } finally {
            writer.dispose();
            cluster.primary().resume();
            lagging.setApplyDelay(Duration.ZERO);
        }
        Await.probed(flowgres, "replica-1 back up", () -> status("replica-1").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    void measuredAgainstTheWritersLastPositionCaughtUpReplicasServeReadsThroughAPrimaryOutage() {
        Flowgres lastPosition = facade(RoutingPolicy.DEFAULT_EWMA_DECAY, 3, 1, LagWithoutWriter.LAST_WRITER_POSITION);
        PostgresNode delayed = cluster.replicas().get(1);
        AtomicInteger id = new AtomicInteger(40_000);
        Disposable writer = Mono.never().subscribe();
        try {
            Await.everyNodeUp(lastPosition, SETTLE);
            delayed.setApplyDelay(Duration.ofSeconds(3));
            writer = writeEvery50Millis(id, "last-position");
            Await.probed(lastPosition, "replica-2 lagging", () -> status(lastPosition, "replica-2").equals("lagging"),
                    Duration.ofSeconds(10));
            writer.dispose();
            Await.probed(lastPosition, "replica-1 caught up", () -> view(lastPosition, "replica-1").lagBytes() == 0,
                    Duration.ofSeconds(10));
            cluster.primary().pause();
            // The default facade's replicas leave rotation once their unknown lag passes maxLag (1 s).
            Await.probed(flowgres, "replica-1's unknown lag past maxLag",
                    () -> status(flowgres, "replica-1").equals("lagging"), Duration.ofSeconds(15));
            flowgres.read(Query.named("routing.withoutWriter").withRoute(Route.REPLICA_ONLY),
                            connection -> strings(connection, "SELECT 1::text"))
                    .as(StepVerifier::create)
                    .expectError(UnavailableException.class)
                    .verify(Duration.ofSeconds(20));

            // Measured against the writer's last position, replica-1 (which has replayed it) stays in rotation.
            lastPosition.probeNow().block(Duration.ofSeconds(10));
            assertThat(lastPosition.topology().writer()).isEqualTo("primary");
            NodeView caughtUp = view(lastPosition, "replica-1");
            assertThat(caughtUp.status()).as("replica-1 with the primary frozen").isEqualTo("up");
            assertThat(caughtUp.lagKnown()).as("lag measured against a live writer").isFalse();
            long before = attempts(lastPosition, "routing.withoutWriter", "replica-1");
            List<String> served = Flux.range(0, 200)
                    .concatMap(i -> lastPosition.read(Query.named("routing.withoutWriter").withRoute(Route.REPLICA_ONLY),
                            connection -> strings(connection, "SELECT pg_is_in_recovery()::text")))
                    .collectList().block(Duration.ofSeconds(60));
            assertThat(served).hasSize(200).containsOnly("true");
            assertThat(attempts(lastPosition, "routing.withoutWriter", "replica-1") - before)
                    .as("reads served by the caught-up replica").isPositive();

            // replica-2 was behind the last position when the primary froze: out until its delay lets it replay it.
            assertThat(status(lastPosition, "replica-2")).isEqualTo("lagging");
            Await.probed(lastPosition, "replica-2 back once it has replayed the writer's last position",
                    () -> status(lastPosition, "replica-2").equals("up"), Duration.ofSeconds(20));
            assertThat(view(lastPosition, "replica-2").lagBytes()).isZero();
            assertThat(lastPosition.topology().node("primary").orElseThrow().status())
                    .as("the primary is still frozen").isNotEqualTo("up");
        } finally {
            writer.dispose();
            cluster.primary().resume();
            delayed.setApplyDelay(Duration.ZERO);
            lastPosition.close();
        }
    }

    @Test
    void frozenReplicaFailsNoReadAndReturnsAfterResume() {
        PostgresNode frozen = cluster.replicas().get(1);
        frozen.pause();
        try {
            for (int i = 0; i < 60; i++) {
                assertThat(read(Query.named("routing.frozen").withTimeout(Duration.ofSeconds(5)), "SELECT 1::text"))
                        .containsExactly("1");
            }
            Await.probed(flowgres, "replica-2 down", () -> status("replica-2").equals("down"), Duration.ofSeconds(5));
        } finally {
            frozen.resume();
        }
        Await.probed(flowgres, "replica-2 back up", () -> status("replica-2").equals("up"), Duration.ofSeconds(10));
    }

    @Test
    void killedReplicaFailsNoReadAndReturnsAfterRestart() {
        PostgresNode killed = cluster.replicas().get(0);
        killed.kill();
        try {
            for (int i = 0; i < 100; i++) {
                assertThat(read(Query.named("routing.killed"), "SELECT 1::text")).containsExactly("1");
            }
            Await.probed(flowgres, "replica-1 down", () -> status("replica-1").equals("down"), Duration.ofSeconds(5));
        } finally {
            killed.start();
        }
        Await.probed(flowgres, "replica-1 back up", () -> status("replica-1").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    void aRestartedReplicasDeadPooledConnectionsArePassedOverNotFailedOn() {
        // Behind Docker's port proxy a dead server's connections still look open to the client, so the
        // pool cannot tell them apart without a round trip: this holds for direct connections only.
        Assumptions.assumeFalse(cluster instanceof ContainerCluster,
                "connections through Docker's port proxy do not show their server's death");
        PostgresNode restarted = cluster.replicas().get(0);
        // Concurrent reads leave replica-1's pool holding idle connections...
        Flux.range(0, 12).flatMap(i -> flowgres.read(Query.named("routing.fill"),
                        connection -> strings(connection, "SELECT pg_sleep(0.05)::text")), 12)
                .blockLast(SETTLE);
        // ...which the restart kills while no read may use them.
        flowgres.drain("replica-1");
        try {
            restarted.kill();
            Await.probed(flowgres, "replica-1 down", () -> status("replica-1").equals("down"), Duration.ofSeconds(5));
            restarted.start();
            Await.probed(flowgres, "replica-1 reachable again", () -> status("replica-1").equals("drained"),
                    Duration.ofSeconds(15));
        } finally {
            flowgres.undrain("replica-1");
        }
        Await.probed(flowgres, "replica-1 in rotation", () -> status("replica-1").equals("up"), SETTLE);
        double failedBefore = failedAttempts("replica-1");
        long before = attempts("routing.afterRestart", "replica-1");
        // Reads until the restarted replica has served 20 (it weighs 3 of 4; a latency peak from the kill
        // may keep it out a few seconds more while its average decays).
        Await.until("the restarted replica to serve 20 reads", () -> {
            assertThat(read(Query.named("routing.afterRestart"), "SELECT 1::text")).containsExactly("1");
            return attempts("routing.afterRestart", "replica-1") - before >= 20;
        }, Duration.ofSeconds(40));
        assertThat(attempts("routing.afterRestart", "replica-1") - before).as("reads on the restarted replica")
                .isGreaterThanOrEqualTo(20);
        assertThat(failedAttempts("replica-1") - failedBefore).as("attempts failed on the restarted replica")
                .isZero();
    }

    private double failedAttempts(String node) {
        return flowgres.meterRegistry().find("flowgres.errors").tag("node", node).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    void withEveryReplicaDownPreferredReadsUseThePrimaryAndReplicaOnlyFailsFast() {
        cluster.replicas().forEach(PostgresNode::kill);
        try {
            Await.probed(flowgres, "both replicas down", () -> status("replica-1").equals("down")
                    && status("replica-2").equals("down"), Duration.ofSeconds(5));
            assertThat(read(Query.named("routing.fallback"), "SELECT pg_is_in_recovery()::text"))
                    .containsExactly("false");
            double rejectedBefore = rejected(Route.REPLICA_ONLY);
            flowgres.read(Query.named("routing.replicaOnly").withRoute(Route.REPLICA_ONLY),
                            connection -> strings(connection, "SELECT 1::text"))
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(UnavailableException.class)
                            .hasMessageContaining("no replica available"))
                    .verify(Duration.ofSeconds(5));
            // Fast because it waits for nothing: refused by routing once, no attempt on any node.
            assertThat(rejected(Route.REPLICA_ONLY) - rejectedBefore).as("routing refusals").isEqualTo(1.0);
            assertThat(flowgres.meterRegistry().find("flowgres.query").tag("query", "routing.replicaOnly").timers())
                    .as("attempts").isEmpty();
        } finally {
            cluster.replicas().forEach(PostgresNode::start);
        }
        Await.probed(flowgres, "both replicas back up", () -> status("replica-1").equals("up")
                && status("replica-2").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    void aReadWithTheTokenOfAWriteAlwaysSeesIt() {
        PostgresNode caughtUp = cluster.replicas().get(1);
        cluster.replicas().get(0).setApplyDelay(Duration.ofSeconds(2));
        int onReplicas = 0;
        try (Flowgres direct = Sql.direct(cluster, caughtUp)) {
            for (int i = 0; i < 150; i++) {
                int id = 10_000 + i;
                Committed<Long> committed = flowgres.writeCommitted(Query.named("routing.rywWrite"),
                                connection -> execute(connection, "INSERT INTO routed VALUES (" + id + ", 'mine')"))
                        .block(Duration.ofSeconds(10));
                if (i % 3 == 0) {
                    // Let some reads find a replica the probes saw catch up: replica-2 replays the write,
                    // then a probe round tells routing.
                    Await.until("replica-2 past " + committed.token(), () -> replayed(direct, committed.token()),
                            Duration.ofSeconds(10));
                    flowgres.probeNow().block(Duration.ofSeconds(10));
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
    void withThePrimaryStoppedReadsOfOnesOwnWritesAreServedByReplicasThatHaveThem() {
        List<Committed<Long>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int id = 30_000 + i;
            writes.add(flowgres.writeCommitted(Query.named("routing.ownWrite"),
                            connection -> execute(connection, "INSERT INTO routed VALUES (" + id + ", 'own')"))
                    .block(Duration.ofSeconds(10)));
        }
        // A fast shutdown sends the replicas all the WAL first; no probe has seen them replay it.
        cluster.primary().stop();
        try {
            long before = attemptsByRole("routing.ownRead", "replica");
            for (int i = 0; i < writes.size(); i++) {
                String sql = "SELECT count(*)::text FROM routed WHERE id = " + (30_000 + i);
                // With no primary the replicas' lag is unknown and grows past the 1 s bound: a budget
                // keeps them eligible whatever the machine's pace, so the token alone is tested.
                assertThat(flowgres.read(Query.named("routing.ownRead").withConsistency(writes.get(i).token()),
                                connection -> strings(connection, sql))
                        .contextWrite(Staleness.atMost(Duration.ofMinutes(5)))
                        .collectList().block(Duration.ofSeconds(20)))
                        .as("write %s read back with its token while the primary is down", i).containsExactly("1");
            }
            assertThat(attemptsByRole("routing.ownRead", "replica") - before).as("reads served by replicas")
                    .isGreaterThanOrEqualTo(writes.size());
            flowgres.read(Query.named("routing.writerOnly").withConsistency(ConsistencyToken.writerOnly()),
                            connection -> strings(connection, "SELECT 1::text"))
                    .as(StepVerifier::create)
                    .expectError(UnavailableException.class)
                    .verify(Duration.ofSeconds(20));
        } finally {
            cluster.primary().start();
        }
        Await.probed(flowgres, "primary back up", () -> status("primary").equals("up"), Duration.ofSeconds(15));
    }

    @Test
    void perRequestStalenessBudgetIsTighterThanTheClusters() {
        cluster.replicas().get(1).setApplyDelay(Duration.ofMillis(700));
        AtomicInteger id = new AtomicInteger(20_000);
        Disposable writer = writeEvery50Millis(id, "budget");
        try {
            Await.probed(flowgres, "replica-2 over 0.3 s behind", () -> lagSeconds("replica-2") > 0.3,
                    Duration.ofSeconds(5));
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
            writer.dispose();
            cluster.replicas().get(1).setApplyDelay(Duration.ZERO);
        }
    }

    private static boolean replayed(Flowgres direct, ConsistencyToken token) {
        return "true".equals(Sql.value(direct, "SELECT (pg_last_wal_replay_lsn() >= '" + token + "'::pg_lsn)::text"));
    }

    /** Inserts a row every 50 ms in the background, so that a delayed replica falls behind. */
    private Disposable writeEvery50Millis(AtomicInteger id, String note) {
        return Flux.interval(Duration.ofMillis(50)).onBackpressureDrop()
                .concatMap(tick -> flowgres.write(Query.named("routing.backgroundWrite"), connection -> execute(
                                connection, "INSERT INTO routed VALUES (" + id.incrementAndGet() + ", '" + note + "')"))
                        .onErrorResume(error -> Mono.empty()), 1)
                .subscribe();
    }

    private String status(String node) {
        return view(node).status();
    }

    private static String status(Flowgres facade, String node) {
        return view(facade, node).status();
    }

    private double lagSeconds(String node) {
        return view(node).lagSeconds();
    }

    /**
     * Reads whether the node that served the read is in recovery (a replica is), after 5 ms on the
     * server: a steady service time that dwarfs the jitter of a bare query.
     */
    private static List<String> recoveringAfter5Millis(Flowgres facade, String query) {
        return facade.read(Query.named(query), connection -> strings(connection,
                        "SELECT pg_is_in_recovery()::text FROM pg_sleep(0.005)"))
                .collectList().block(Duration.ofSeconds(20));
    }

    private NodeView view(String node) {
        return view(flowgres, node);
    }

    private static NodeView view(Flowgres facade, String node) {
        return facade.topology().node(node).orElseThrow();
    }

    private double rejected(Route route) {
        Counter counter = flowgres.meterRegistry().find("flowgres.routing.decisions")
                .tag("route", route.name().toLowerCase(java.util.Locale.ROOT)).tag("outcome", "rejected").counter();
        return counter == null ? 0 : counter.count();
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
        return attempts(flowgres, query, node);
    }

    private static long attempts(Flowgres flowgres, String query, String node) {
        return flowgres.meterRegistry().find("flowgres.query").tag("query", query).tag("node", node)
                .timers().stream().mapToLong(Timer::count).sum();
    }

    private long attemptsByRole(String query, String role) {
        return flowgres.meterRegistry().find("flowgres.query").tag("query", query).tag("role", role)
                .timers().stream().mapToLong(Timer::count).sum();
    }
}
