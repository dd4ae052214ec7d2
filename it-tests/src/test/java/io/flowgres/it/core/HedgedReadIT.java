package io.flowgres.it.core;

import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.Flowgres;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Query;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.NodeView;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.Counter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Hedged reads on a real primary with two streaming replicas, one of them frozen (SIGSTOP) and still
 * in rotation (background probes are off, so routing never learns of the freeze): reads that round
 * robin sends to the frozen replica answer from the other one once the hedging delay passes, reads
 * queued behind them too, while without hedging such a read waits for the frozen replica; reads that
 * wait past the delay only for their own turn on a replica that answers are not hedged; and the
 * default balancer sends no new read to a replica that has a read stuck on it.
 */
@FlowgresCluster(replicas = 2)
final class HedgedReadIT {

    private static final Query READ = Query.named("hedge.read");
    private static final Duration GUARD = Duration.ofSeconds(10);

    private final PostgresCluster cluster;

    HedgedReadIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void aReadStuckOnAFrozenReplicaIsAnsweredByTheHedge() {
        PostgresNode frozen = cluster.replicas().get(1);
        try (Flowgres hedged = flowgres(Duration.ofMillis(100), Balancer.roundRobin())) {
            warmUp(hedged);
            frozen.pause();
            try {
                // Round robin alternates the two replicas, so half of these start on the frozen one.
                for (int i = 0; i < 6; i++) {
                    assertThat(hedged.read(READ, connection -> strings(connection, "SELECT 'answered'"))
                            .blockLast(GUARD)).isEqualTo("answered");
                }
                assertThat(hedges(hedged)).as("hedges started").isGreaterThanOrEqualTo(1);
            } finally {
                frozen.resume();
            }
            // The reads the hedges answered were not cancelled on the frozen replica: they finish once it
            // thaws and give their connections back, so no cancel request and no new login is spent.
            Await.until("the hedged-away reads finished on the thawed replica", () -> inFlight(hedged, frozen) == 0,
                    GUARD);
            assertThat(destroyed(hedged, frozen)).as("connections discarded on the frozen replica").isZero();
        }
    }

    @Test
    void aReadQueuedForItsReplicasOnlyConnectionIsNotHedgedWhileTheReplicaAnswers() {
        try (Flowgres hedged = flowgres(Duration.ofMillis(500), Balancer.roundRobin(), Sql.ONE_CONNECTION)) {
            warmUp(hedged);
            // 20 reads of 50 ms queue for each replica's one connection, up to a second: the later ones wait
            // past the hedge delay in this client's own queue, while their replica answers every 50 ms.
            List<String> answers = Flux.range(0, 40)
                    .flatMap(i -> hedged.read(READ, connection -> strings(connection,
                            "SELECT 'answered' FROM pg_sleep(0.05)")), 40)
                    .collectList().block(GUARD);
            assertThat(answers).hasSize(40).containsOnly("answered");
            assertThat(hedges(hedged)).as("hedges started for reads that waited in their own queue").isZero();
        }
    }

    @Test
    void aReadQueuedBehindAReadStuckOnAFrozenReplicaIsHedged() {
        PostgresNode frozen = cluster.replicas().get(1);
        try (Flowgres hedged = flowgres(Duration.ofMillis(100), Balancer.roundRobin(), Sql.ONE_CONNECTION)) {
            warmUp(hedged);
            frozen.pause();
            try {
                // Round robin sends two of the four to the frozen replica: one is stuck on its only connection,
                // the other queues for it; the replica answers nothing, so both are hedged.
                List<String> answers = Flux.range(0, 4)
                        .flatMap(i -> hedged.read(READ, connection -> strings(connection, "SELECT 'answered'")), 4)
                        .collectList().block(GUARD);
                assertThat(answers).hasSize(4).containsOnly("answered");
                assertThat(hedges(hedged)).as("hedges started").isGreaterThanOrEqualTo(2);
            } finally {
                frozen.resume();
            }
            Await.until("the hedged-away reads finished on the thawed replica", () -> inFlight(hedged, frozen) == 0,
                    GUARD);
        }
    }

    @Test
    void withoutHedgingAReadSentToAFrozenReplicaWaitsForIt() {
        PostgresNode frozen = cluster.replicas().get(1);
        try (Flowgres plain = flowgres(null, Balancer.roundRobin())) {
            warmUp(plain);
            List<String> answers = Collections.synchronizedList(new ArrayList<>());
            frozen.pause();
            Disposable reads = null;
            try {
                // Round robin sends one of two consecutive reads to the frozen replica.
                reads = Flux.range(0, 2)
                        .flatMap(i -> plain.read(READ, connection -> strings(connection, "SELECT 'answered'")))
                        .subscribe(answers::add);
                Await.until("the read on the running replica answered", () -> answers.size() == 1
                        && inFlight(plain, frozen) == 1, GUARD);
                assertThat(inFlight(plain, frozen)).as("the other read still waits on the frozen replica")
                        .isEqualTo(1);
                assertThat(answers).hasSize(1);
            } finally {
                frozen.resume();
            }
            Await.until("the waiting read answered by the resumed replica", () -> answers.size() == 2, GUARD);
            assertThat(answers).containsExactly("answered", "answered");
            assertThat(retries(plain)).as("neither hedged nor retried elsewhere: it waited").isZero();
            // The stream completes just after its last answer, on the event loop: wait for that signal.
            Disposable both = reads;
            Await.until("the reads' stream completed", both::isDisposed, GUARD);
        }
    }

    @Test
    void aReplicaWithAReadStuckOnItTakesNoNewReads() {
        PostgresNode frozen = cluster.replicas().get(1);
        try (Flowgres flowgres = flowgres(null, Balancer.powerOfTwoChoices(new SplittableRandom(3)))) {
            warmUp(flowgres);
            frozen.pause();
            List<Disposable> stuck = new ArrayList<>();
            try {
                // Reads in the background until one is stuck on the frozen replica.
                long[] stuckSince = {0};
                Await.until("a read stuck on the frozen replica", () -> {
                    if (inFlight(flowgres, frozen) == 0) {
                        stuckSince[0] = System.nanoTime();
                        stuck.add(flowgres.read(READ, connection -> strings(connection, "SELECT 'late'")).subscribe());
                    }
                    return inFlight(flowgres, frozen) > 0;
                }, GUARD);
                int stuckOnFrozen = inFlight(flowgres, frozen);
                assertThat(stuckOnFrozen).as("a read is stuck on the frozen replica").isPositive();
                // A stall is unanswered work older than 4 usual latencies (PowerOfTwoChoicesBalancer);
                // wait until the stuck read is well past that, by the replicas' own averages.
                Await.until("the stuck read to count as a stall", () -> (System.nanoTime() - stuckSince[0]) / 1e6
                        > 2 * 4 * Math.max(ewmaMillis(flowgres, "replica-1"), ewmaMillis(flowgres, "replica-2")),
                        GUARD);

                for (int i = 0; i < 200; i++) {
                    assertThat(flowgres.read(READ, connection -> strings(connection, "SELECT 'answered'"))
                            .blockLast(GUARD)).isEqualTo("answered");
                }
                assertThat(inFlight(flowgres, frozen)).as("no new read went to the stalled replica")
                        .isEqualTo(stuckOnFrozen);
            } finally {
                stuck.forEach(Disposable::dispose);
                frozen.resume();
            }
        }
    }

    private Flowgres flowgres(@Nullable Duration hedgeAfter, Balancer balancer) {
        return flowgres(hedgeAfter, balancer, PoolPolicy.test());
    }

    private Flowgres flowgres(@Nullable Duration hedgeAfter, Balancer balancer, PoolPolicy pool) {
        RoutingPolicy routing = RoutingPolicy.builder().hedgeAfter(hedgeAfter).build();
        // No background probes, no liveness checks on silent nodes and no adaptive hedging: the frozen
        // replica stays in rotation, and a read stuck on it stays there, for the whole test (on a slow
        // machine the 200 reads below outlast the default 1 s silence ceiling). Only a fixed hedge delay,
        // when the test sets one, moves a read off the frozen replica.
        AvailabilityPolicy patient = AvailabilityPolicy.builder().silence(Duration.ofMinutes(5), Duration.ofMinutes(5))
                .adaptiveHedging(false).build();
        return Flowgres.builder(cluster.clusterConfig().pool(pool).routing(routing)
                        .availability(patient).build())
                .balancer(balancer).probing(false).build();
    }

    private static void warmUp(Flowgres flowgres) {
        for (int i = 0; i < 4; i++) {
            flowgres.read(READ, connection -> strings(connection, "SELECT 1")).blockLast(GUARD);
        }
    }

    private static int inFlight(Flowgres flowgres, PostgresNode node) {
        return view(flowgres, node.name()).inFlight();
    }

    private static double ewmaMillis(Flowgres flowgres, String node) {
        return view(flowgres, node).ewmaMillis();
    }

    private static NodeView view(Flowgres flowgres, String node) {
        return flowgres.topology().node(node).orElseThrow();
    }

    private static double retries(Flowgres flowgres) {
        return flowgres.meterRegistry().find("flowgres.retries").tag("query", READ.name()).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static double destroyed(Flowgres flowgres, PostgresNode node) {
        return flowgres.meterRegistry().find("flowgres.pool.events").tag("node", node.name()).tag("event", "destroyed")
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    private static double hedges(Flowgres flowgres) {
        return flowgres.meterRegistry().find("flowgres.retries").tag("query", READ.name()).tag("reason", "hedge")
                .counters().stream().mapToDouble(Counter::count).sum();
    }
}
