package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.Lsn;
import org.junit.jupiter.api.Test;

/**
 * A node's health on a hand-driven clock: the peak-sensitive latency average, failures and
 * ejections, and the prober's findings with lag hysteresis, measured and unknown.
 */
final class NodeHealthTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final long RTT = 2 * MS;

    private final RoutingPolicy policy = RoutingPolicy.builder().defaultRtt(Duration.ofMillis(5))
            .ewmaDecay(Duration.ofSeconds(10)).maxLag(Duration.ofSeconds(4)).maxLagBytes(1000).returnRatio(0.5)
            .ejectAfterFailures(3).ejection(Duration.ofSeconds(1), Duration.ofSeconds(8)).build();

    @Test
    void latencyStartsAtTheDefaultRoundTrip() {
        assertThat(new NodeHealth(policy, 1, 0).ewmaNanos()).isEqualTo(5 * MS);
    }

    @Test
    void aSlowSampleReplacesTheAverageAtOnce() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordLatency(300 * MS, 1 * MS);

        assertThat(health.ewmaNanos()).isEqualTo(300 * MS);
    }

    @Test
    void fastSamplesDecayTheAverageWithTimeConstantTau() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordLatency(100 * MS, 0);
        health.recordLatency(0, 10 * S); // one tau later: weight e^-1 on the old average

        assertThat(health.ewmaNanos()).isCloseTo(100 * MS * Math.exp(-1), within(1.0));
        health.recordLatency(0, 10 * S); // no time passed: no decay
        assertThat(health.ewmaNanos()).isCloseTo(100 * MS * Math.exp(-1), within(1.0));
    }

    @Test
    void aPeakAmongFastSamplesBarelyMovesTheTypicalLatency() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        long now = 0;
        for (int i = 0; i < 5000; i++) { // five seconds of 1 ms answers, one every millisecond
            now += MS;
            health.recordLatency(1 * MS, now);
        }
        now += MS;
        health.recordLatency(80 * MS, now); // one hiccup

        assertThat(health.ewmaNanos()).as("the peak-sensitive average holds it").isEqualTo(80 * MS);
        assertThat(health.typicalNanos()).as("the typical latency hardly moves").isLessThan(2.0 * MS);
    }

    @Test
    void consecutiveFailuresEjectForAGrowingTime() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordFailure(0);
        health.recordFailure(0);
        assertThat(health.isEjected(0)).isFalse();
        health.recordFailure(0);
        assertThat(health.isEjected(0)).isTrue();
        assertThat(health.isEjected(1 * S - 1)).isTrue();
        assertThat(health.isEjected(1 * S)).isFalse();

        for (int i = 0; i < 3; i++) {
            health.recordFailure(1 * S);
        }
        assertThat(health.isEjected(3 * S - 1)).as("second ejection lasts twice as long").isTrue();
        assertThat(health.isEjected(3 * S)).isFalse();
        assertThat(health.latency().ejections()).isEqualTo(2);
    }

    @Test
    void ejectionsAreCappedAtTheMaximum() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        long now = 0;
        for (int ejection = 0; ejection < 10; ejection++) {
            for (int i = 0; i < 3; i++) {
                health.recordFailure(now);
            }
            now += 100 * S;
        }
        health.recordFailure(now);
        health.recordFailure(now);
        health.recordFailure(now);
        assertThat(health.isEjected(now + 8 * S - 1)).isTrue();
        assertThat(health.isEjected(now + 8 * S)).isFalse();
    }

    @Test
    void failuresDuringAnEjectionDoNotExtendIt() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        for (int i = 0; i < 3; i++) {
            health.recordFailure(0);
        }
        for (int i = 0; i < 6; i++) {
            health.recordFailure(500 * MS);
        }

        assertThat(health.isEjected(1 * S)).isFalse();
        assertThat(health.latency().ejections()).isEqualTo(1);
    }

    @Test
    void aSuccessEndsTheRunOfFailures() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordFailure(0);
        health.recordFailure(0);
        health.recordSuccess(0);
        health.recordFailure(0);
        health.recordFailure(0);

        assertThat(health.isEjected(0)).isFalse();
        assertThat(health.latency().consecutiveFailures()).isEqualTo(2);
    }

    @Test
    void aLongHealthySpellStartsTheNextEjectionShortAgain() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        for (int i = 0; i < 3; i++) {
            health.recordFailure(0);
        }
        assertThat(health.latency().ejections()).isEqualTo(1);

        health.recordSuccess(5 * S);
        assertThat(health.latency().ejections()).as("within maxEjection of the last ejection").isEqualTo(1);
        health.recordSuccess(1 * S + 8 * S + 1);
        assertThat(health.latency().ejections()).as("healthy for longer than maxEjection").isZero();

        long now = 20 * S;
        for (int i = 0; i < 3; i++) {
            health.recordFailure(now);
        }
        assertThat(health.isEjected(now + 1 * S - 1)).isTrue();
        assertThat(health.isEjected(now + 1 * S)).as("the base ejection again").isFalse();
    }

    @Test
    void lagLeavesAboveTheBoundAndReturnsOnlyBelowTheLowerOne() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 1001, Double.NaN, RTT, 0);
        assertThat(health.probe().lagging()).as("over the byte bound").isTrue();
        health.recordProbe(true, 10, 800, Double.NaN, RTT, 1 * S);
        assertThat(health.probe().lagging()).as("under the bound but above the return bound").isTrue();
        health.recordProbe(true, 10, 0, Double.NaN, RTT, 2 * S);
        assertThat(health.probe().lagging()).isFalse();
        health.recordProbe(true, 10, 900, Double.NaN, RTT, 3 * S);
        assertThat(health.probe().lagging()).as("below the leave bound: stays in").isFalse();
    }

    @Test
    void timeLagCountsOnlyWhileBytesAreOutstanding() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 0, 3600, RTT, 0);
        assertThat(health.probe().lagSeconds()).as("idle primary, caught-up replica").isZero();
        assertThat(health.probe().lagging()).isFalse();

        health.recordProbe(true, 10, 50, 3600, RTT, 10 * S);
        assertThat(health.probe().lagSeconds()).as("just fell behind after a long idle spell").isZero();
        health.recordProbe(true, 10, 50, 3600, RTT, 15 * S);
        assertThat(health.probe().lagSeconds()).isEqualTo(5.0);
        assertThat(health.probe().lagging()).isTrue();
        health.recordProbe(true, 10, 50, 3.0, RTT, 16 * S);
        assertThat(health.probe().lagSeconds()).as("the replayed commit's age caps it").isEqualTo(3.0);
        assertThat(health.probe().lagging()).as("between the return and the leave bound").isTrue();
        health.recordProbe(true, 10, 0, 3.0, RTT, 17 * S);
        assertThat(health.probe().lagSeconds()).isZero();
        assertThat(health.probe().lagging()).isFalse();
    }

    @Test
    void aFailedProbeMarksTheNodeUnreachableUntilOneSucceeds() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        assertThat(health.probe().reachable()).as("reachable until a probe says otherwise").isTrue();
        assertThat(health.probe().probed()).isFalse();

        health.recordProbeFailure(1, "timeout");
        assertThat(health.probe().reachable()).isFalse();
        assertThat(health.probe().probed()).isTrue();
        assertThat(health.probe().failure()).isEqualTo("timeout");
        assertThat(health.probe().rttNanos()).isEqualTo(-1);

        health.recordProbe(true, 10, 0, Double.NaN, RTT, 2);
        assertThat(health.probe().reachable()).isTrue();
        assertThat(health.probe().inRecovery()).isTrue();
        assertThat(health.probe().failure()).isNull();
        assertThat(health.probe().rttNanos()).isEqualTo(RTT);
    }

    @Test
    void aFailedProbeKeepsWhatWasLastKnown() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 42, 1001, Double.NaN, RTT, 1 * S);
        health.recordProbeFailure(2 * S, "connection failed");

        NodeHealth.Probe probe = health.probe();
        assertThat(probe.inRecovery()).isTrue();
        assertThat(probe.replayLsn()).isEqualTo(42);
        assertThat(probe.lagBytes()).isEqualTo(1001);
        assertThat(probe.lagging()).isTrue();
        assertThat(probe.lastProbeNanos()).isEqualTo(2 * S);
    }

    @Test
    void aProbeRoundTripFeedsTheLatencyAverage() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(false, -1, 0, Double.NaN, 40 * MS, 1 * MS);

        assertThat(health.ewmaNanos()).isEqualTo(40 * MS);
    }

    @Test
    void unknownLagIsNeverZeroAndGrowsUntilTheReplicaLeavesRotation() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 50, Double.NaN, RTT, 0);
        health.recordProbe(true, 10, 50, Double.NaN, RTT, 1 * S);
        assertThat(health.probe().lagSeconds()).isEqualTo(1.0);

        health.recordProbeWithoutPrimary(12, RTT, 2 * S);
        NodeHealth.Probe unknown = health.probe();
        assertThat(unknown.lagKnown()).isFalse();
        assertThat(unknown.replayLsn()).isEqualTo(12);
        assertThat(unknown.lagBytes()).as("the last known bytes stand").isEqualTo(50);
        assertThat(unknown.lagSeconds()).as("the last known lag plus the time since").isEqualTo(2.0);
        assertThat(unknown.lagging()).isFalse();

        health.recordProbeWithoutPrimary(12, RTT, 5 * S + 1);
        assertThat(health.probe().lagSeconds()).isGreaterThan(4.0);
        assertThat(health.probe().lagging()).as("unknown for longer than maxLag").isTrue();

        health.recordProbe(true, 60, 0, Double.NaN, RTT, 6 * S);
        assertThat(health.probe().lagKnown()).isTrue();
        assertThat(health.probe().lagSeconds()).isZero();
        assertThat(health.probe().lagging()).as("measured again and caught up").isFalse();
    }

    @Test
    void unknownLagGrowsByTheTimeSinceItWasLastMeasured() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 50, Double.NaN, RTT, 0);
        health.recordProbe(true, 10, 50, Double.NaN, RTT, 1 * S);

        for (int second = 2; second <= 4; second++) {
            health.recordProbeWithoutPrimary(10, RTT, second * S);
            assertThat(health.probe().lagSeconds()).as("at %s s", second).isEqualTo(second - 0.0);
            assertThat(health.probe().lagging()).as("at %s s", second).isFalse();
        }
        health.recordProbeWithoutPrimary(10, RTT, 5 * S);
        assertThat(health.probe().lagSeconds()).isEqualTo(5.0);
        assertThat(health.probe().lagging()).as("unknown for longer than maxLag").isTrue();
    }

    @Test
    void againstTheWritersLastPositionACaughtUpReplicaStaysInRotationForAsLongAsTheWriterIsGone() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 0, Double.NaN, RTT, 0);

        for (int second = 1; second <= 60; second++) {
            health.recordProbeAgainstLastPosition(10, 0, 30.0 + second, RTT, second * S);
            assertThat(health.probe().lagSeconds()).as("at %s s", second).isZero();
            assertThat(health.probe().lagging()).as("at %s s", second).isFalse();
        }
        assertThat(health.probe().lagKnown()).as("not measured against a live writer").isFalse();

        health.recordProbe(true, 10, 0, Double.NaN, RTT, 61 * S);
        assertThat(health.probe().lagKnown()).isTrue();
    }

    @Test
    void againstTheWritersLastPositionAReplicaBehindItCountsAsBehindUntilItHasReplayedIt() {
        NodeHealth health = new NodeHealth(policy, 1, 0);
        health.recordProbe(true, 10, 0, Double.NaN, RTT, 0);

        health.recordProbeAgainstLastPosition(10, 50, Double.NaN, RTT, 1 * S);
        assertThat(health.probe().lagBytes()).isEqualTo(50);
        health.recordProbeAgainstLastPosition(10, 50, Double.NaN, RTT, 4 * S);
        assertThat(health.probe().lagSeconds()).as("behind since 1 s").isEqualTo(3.0);
        assertThat(health.probe().lagging()).isFalse();
        health.recordProbeAgainstLastPosition(10, 50, Double.NaN, RTT, 6 * S + 1);
        assertThat(health.probe().lagging()).as("behind the last position for longer than maxLag").isTrue();

        health.recordProbeAgainstLastPosition(60, 0, Double.NaN, RTT, 7 * S);
        assertThat(health.probe().lagSeconds()).isZero();
        assertThat(health.probe().lagging()).as("has replayed the last position").isFalse();
    }

    @Test
    void aReplicaWhoseLagWasNeverMeasuredCountsTheUnknownFromItsCreation() {
        NodeHealth health = new NodeHealth(policy, 1, 100 * S);

        health.recordProbeWithoutPrimary(12, RTT, 101 * S);
        assertThat(health.probe().lagSeconds()).isEqualTo(1.0);
        health.recordProbeWithoutPrimary(12, RTT, 102 * S);
        assertThat(health.probe().lagSeconds()).isEqualTo(2.0);
        assertThat(health.probe().lagging()).isFalse();

        health.recordProbeWithoutPrimary(12, RTT, 104 * S + 1);
        assertThat(health.probe().lagging()).as("unknown for longer than maxLag").isTrue();
    }

    @Test
    void concurrentFailuresAreNeitherLostNorDoubled() throws Exception {
        RoutingPolicy manyFailures = RoutingPolicy.builder().ejectAfterFailures(1_000_000).build();
        NodeHealth health = new NodeHealth(manyFailures, 1, 0);
        int threads = 4;
        int each = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        health.recordFailure(0);
                        health.recordLatency(1 * MS, i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(health.latency().consecutiveFailures()).isEqualTo(threads * each);
    }

    @Test
    void lsnRoundTrips() {
        assertThat(Lsn.parse("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
        assertThat(Lsn.format(Lsn.parse("16/B374D848"))).isEqualTo("16/B374D848");
        assertThat(Lsn.parse("0/0")).isZero();
        assertThat(Lsn.parse("1/0") - Lsn.parse("0/FFFFFFFF")).as("positions are bytes").isEqualTo(1);
    }
}
