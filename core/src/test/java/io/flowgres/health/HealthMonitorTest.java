package io.flowgres.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.metrics.PoolUsage;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The health monitor's cache, TTL and background refresh on virtual time, and its one judgement,
 * {@link HealthMonitor#report}, over plain topology snapshots.
 */
final class HealthMonitorTest {

    private static final PoolUsage POOL = new PoolUsage(1, 2, 0, 3);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final AtomicInteger checks = new AtomicInteger();

    @AfterEach
    void disposeTime() {
        time.dispose();
    }

    @Test
    void quickIsDownWithNoNodesBeforeTheFirstCheck() {
        HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time);

        assertThat(monitor.age()).isNull();
        HealthReport first = monitor.quick();

        assertThat(first.status()).isEqualTo(HealthReport.Status.DOWN);
        assertThat(first.nodes()).isEmpty();
        assertThat(checks).as("the first quick read asks for a check").hasValue(1);
    }

    @Test
    void backgroundChecksRunAtOnceAndThenEveryInterval() {
        try (HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time).start()) {
            time.advanceTime();
            assertThat(checks).hasValue(1);
            assertThat(monitor.quick().status()).isEqualTo(HealthReport.Status.UP);

            time.advanceTimeBy(HealthPolicy.DEFAULT_REFRESH_INTERVAL.multipliedBy(3));
            assertThat(checks).hasValue(4);
        }
        time.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(checks).as("closed monitors stop checking").hasValue(4);
    }

    @Test
    void quickServesTheCacheWithinTheTtlAndRefreshesInTheBackgroundWhenStale() {
        HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time);
        monitor.deep().as(StepVerifier::create).expectNextCount(1).verifyComplete();
        HealthReport first = monitor.quick();

        time.advanceTimeBy(HealthPolicy.DEFAULT_CACHE_TTL.minusSeconds(1));
        assertThat(monitor.quick()).isSameAs(first);
        assertThat(checks).hasValue(1);

        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(monitor.quick()).as("stale, served while the re-check runs").isSameAs(first);
        assertThat(checks).hasValue(2);
        assertThat(monitor.quick()).isNotSameAs(first);
        assertThat(monitor.age()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aSlowCheckNeverBlocksQuickAndIsNotStartedTwice() {
        HealthMonitor monitor = new HealthMonitor(() -> {
            checks.incrementAndGet();
            return Mono.delay(Duration.ofSeconds(3), time).map(tick -> report(HealthReport.Status.DOWN));
        }, HealthPolicy.defaults(), time);
        time.advanceTimeBy(Duration.ofMinutes(1));

        HealthReport before = monitor.quick();
        for (int i = 0; i < 100; i++) {
            assertThat(monitor.quick()).isSameAs(before);
        }
        assertThat(checks).hasValue(1);

        time.advanceTimeBy(Duration.ofSeconds(3));
        assertThat(monitor.quick().status()).isEqualTo(HealthReport.Status.DOWN);
        assertThat(monitor.quick().nodes()).hasSize(1);
    }

    @Test
    void aHealthyClusterIsUpWithEveryNodesFigures() {
        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("up"),
                replica("replica-1", "up", 100), replica("replica-2", "up", 0))), HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.UP);
        assertThat(report.nodes()).extracting(HealthReport.NodeReport::name, HealthReport.NodeReport::role, HealthReport.NodeReport::status)
                .containsExactly(tuple("primary", "primary", HealthReport.Status.UP),
                        tuple("replica-1", "replica", HealthReport.Status.UP), tuple("replica-2", "replica", HealthReport.Status.UP));
        HealthReport.NodeReport replica = report.nodes().get(1);
        assertThat(replica.latencyMillis()).isEqualTo(1.5);
        assertThat(replica.error()).isNull();
        assertThat(replica.breaker()).isEqualTo("closed");
        assertThat(replica.inFlight()).isEqualTo(2);
        assertThat(replica.pool()).isEqualTo(POOL);
        assertThat(replica.lagBytes()).isEqualTo(100L);
        assertThat(report.nodes().get(0).lagBytes()).as("the primary has no lag").isNull();
    }

    @Test
    void aReplicaThatDoesNotAnswerDegradesTheCluster() {
        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("up"),
                unreachable(replica("replica-1", "down", 0), "timeout"), replica("replica-2", "up", 0))),
                HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(report.nodes().get(1)).extracting(HealthReport.NodeReport::status, HealthReport.NodeReport::error, HealthReport.NodeReport::latencyMillis)
                .containsExactly(HealthReport.Status.DOWN, "timeout", -1.0);
    }

    @Test
    void aPrimaryThatDoesNotAnswerTakesTheClusterDown() {
        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(
                unreachable(primary("down"), "connection failed"), replica("replica-1", "up", 0))),
                HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.DOWN);
        assertThat(report.nodes().get(0)).extracting(HealthReport.NodeReport::status, HealthReport.NodeReport::error)
                .containsExactly(HealthReport.Status.DOWN, "connection failed");
    }

    @Test
    void aNodeDownWithoutAProbeReasonSaysNoAnswer() {
        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("down"))),
                HealthPolicy.defaults());

        assertThat(report.nodes().get(0)).extracting(HealthReport.NodeReport::status, HealthReport.NodeReport::error)
                .containsExactly(HealthReport.Status.DOWN, "no answer");
    }

    @Test
    void anOpenBreakerOnTheWriterTakesTheClusterDownButOnAReplicaDoesNot() {
        HealthReport writer = HealthMonitor.report(new Topology("primary", List.of(
                breakerOpen(primary("breaker-open")), replica("replica-1", "up", 0))), HealthPolicy.defaults());
        assertThat(writer.status()).isEqualTo(HealthReport.Status.DOWN);
        assertThat(writer.nodes().get(0)).extracting(HealthReport.NodeReport::error, HealthReport.NodeReport::breaker)
                .containsExactly("circuit breaker open", "open");

        HealthReport replica = HealthMonitor.report(new Topology("primary", List.of(primary("up"),
                breakerOpen(replica("replica-1", "breaker-open", 0)))), HealthPolicy.defaults());
        assertThat(replica.status()).isEqualTo(HealthReport.Status.UP);
        assertThat(replica.nodes().get(1).breaker()).isEqualTo("open");
    }

    @Test
    void aWriterInRecoveryIsDown() {
        NodeView inRecovery = view("primary", "primary", "replica", "up", 0, true, "closed", 1.0, null);

        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(inRecovery)),
                HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.DOWN);
        assertThat(report.nodes().get(0).error()).isEqualTo("primary is in recovery (read-only)");
    }

    @Test
    void aReplicaOutOfRecoveryIsDegraded() {
        NodeView promoted = view("replica-1", "replica", "primary", "up", 0, true, "closed", 1.0, null);

        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("up"), promoted)),
                HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(report.nodes().get(1)).extracting(HealthReport.NodeReport::status, HealthReport.NodeReport::error)
                .containsExactly(HealthReport.Status.DEGRADED, "replica is not in recovery");
    }

    @Test
    void aPromotedReplicaThatTakesTheWritesIsReportedAsThePrimary() {
        NodeView oldPrimary = view("primary", "primary", "replica", "up", 0, true, "closed", 1.0, null);
        NodeView promoted = view("replica-1", "replica", "primary", "up", 0, true, "closed", 1.0, null);

        HealthReport report = HealthMonitor.report(new Topology("replica-1", List.of(oldPrimary, promoted)),
                HealthPolicy.defaults());

        assertThat(report.nodes()).extracting(HealthReport.NodeReport::name, HealthReport.NodeReport::role, HealthReport.NodeReport::status)
                .containsExactly(tuple("primary", "replica", HealthReport.Status.UP),
                        tuple("replica-1", "primary", HealthReport.Status.UP));
    }

    @Test
    void aReplicaLaggingBeyondThePolicyIsDegraded() {
        HealthPolicy policy = HealthPolicy.builder().maxReplicaLagBytes(1000).build();

        HealthReport within = HealthMonitor.report(new Topology("primary", List.of(primary("up"),
                replica("replica-1", "up", 1000))), policy);
        HealthReport beyond = HealthMonitor.report(new Topology("primary", List.of(primary("up"),
                replica("replica-1", "lagging", 1001))), policy);

        assertThat(within.status()).isEqualTo(HealthReport.Status.UP);
        assertThat(beyond.status()).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(beyond.nodes().get(1)).extracting(HealthReport.NodeReport::error, HealthReport.NodeReport::lagBytes)
                .containsExactly("lagging 1001 bytes", 1001L);
    }

    @Test
    void aReplicaWhoseLagIsUnknownIsDegradedOnceRoutingGaveUpOnIt() {
        NodeView unknownButRecent = view("replica-1", "replica", "replica", "up", 0, false, "closed", 1.0, null);
        NodeView unknownTooLong = new NodeView("replica-1", "replica", "replica", "lagging", 0, 6.4, false, 1.0, 0,
                1.0, "closed", false, 1.0, null, POOL);

        assertThat(HealthMonitor.report(new Topology("primary", List.of(primary("up"), unknownButRecent)),
                HealthPolicy.defaults()).status()).isEqualTo(HealthReport.Status.UP);
        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("up"), unknownTooLong)),
                HealthPolicy.defaults());
        assertThat(report.status()).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(report.nodes().get(1).error()).isEqualTo("lagging with no writer to measure against: 6 s, 0 bytes");
    }

    @Test
    void aDrainedReplicaIsStillUpAndSaysSo() {
        NodeView drained = new NodeView("replica-1", "replica", "replica", "drained", 0, 0, true, 1.0, 0, 1.0,
                "closed", true, 1.0, null, POOL);

        HealthReport report = HealthMonitor.report(new Topology("primary", List.of(primary("up"), drained)),
                HealthPolicy.defaults());

        assertThat(report.status()).isEqualTo(HealthReport.Status.UP);
        assertThat(report.nodes().get(1).drained()).isTrue();
    }

    private static NodeView primary(String status) {
        return view("primary", "primary", "primary", status, 0, true, "closed", 0.5, null);
    }

    private static NodeView replica(String name, String status, long lagBytes) {
        return view(name, "replica", "replica", status, lagBytes, true, "closed", 1.5, null);
    }

    private static NodeView unreachable(NodeView node, String reason) {
        return view(node.name(), node.configuredRole(), node.observedRole(), node.status(), node.lagBytes(),
                node.lagKnown(), node.breaker(), -1, reason);
    }

    private static NodeView breakerOpen(NodeView node) {
        return view(node.name(), node.configuredRole(), node.observedRole(), node.status(), node.lagBytes(),
                node.lagKnown(), "open", node.probeMillis(), node.probeFailure());
    }

    private static NodeView view(String name, String configuredRole, String observedRole, String status,
            long lagBytes, boolean lagKnown, String breaker, double probeMillis, String probeFailure) {
        return new NodeView(name, configuredRole, observedRole, status, lagBytes, 0, lagKnown, 1.0, 2, 1.0, breaker,
                false, probeMillis, probeFailure, POOL);
    }

    private Mono<HealthReport> check() {
        return Mono.fromSupplier(() -> {
            checks.incrementAndGet();
            return report(HealthReport.Status.UP);
        });
    }

    private static HealthReport report(HealthReport.Status status) {
        HealthReport.NodeReport primary = new HealthReport.NodeReport("primary", "primary", status, 1.0, null);
        return new HealthReport(HealthReport.overall(List.of(primary)), Instant.now(), List.of(primary));
    }
}
