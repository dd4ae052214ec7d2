package io.flowgres.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import io.flowgres.cluster.RoutingPolicy;
import org.junit.jupiter.api.Test;

final class NodeStateTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    private final RoutingPolicy policy = RoutingPolicy.builder().defaultRtt(Duration.ofMillis(5))
            .ewmaDecay(Duration.ofSeconds(10)).maxLag(Duration.ofSeconds(4)).maxLagBytes(1000).returnRatio(0.5)
            .ejectAfterFailures(3).ejection(Duration.ofSeconds(1), Duration.ofSeconds(8)).build();

    @Test
    void latencyStartsAtTheDefaultRoundTrip() {
        assertThat(new NodeState(policy, 0).ewmaNanos()).isEqualTo(5 * MS);
    }

    @Test
    void aSlowSampleReplacesTheAverageAtOnce() {
        NodeState state = new NodeState(policy, 0);
        state.recordLatency(300 * MS, 1 * MS);

        assertThat(state.ewmaNanos()).isEqualTo(300 * MS);
    }

    @Test
    void fastSamplesDecayTheAverageWithTimeConstantTau() {
        NodeState state = new NodeState(policy, 0);
        state.recordLatency(100 * MS, 0);
        state.recordLatency(0, 10 * S); // one tau later: weight e^-1 on the old average

        assertThat(state.ewmaNanos()).isCloseTo(100 * MS * Math.exp(-1), within(1.0));
        state.recordLatency(0, 10 * S); // no time passed: no decay
        assertThat(state.ewmaNanos()).isCloseTo(100 * MS * Math.exp(-1), within(1.0));
    }

    @Test
    void consecutiveFailuresEjectForAGrowingTime() {
        NodeState state = new NodeState(policy, 0);
        state.recordFailure(0);
        state.recordFailure(0);
        assertThat(state.isEjected(0)).isFalse();
        state.recordFailure(0);
        assertThat(state.isEjected(0)).isTrue();
        assertThat(state.isEjected(1 * S - 1)).isTrue();
        assertThat(state.isEjected(1 * S)).isFalse();

        for (int i = 0; i < 3; i++) {
            state.recordFailure(1 * S);
        }
        assertThat(state.isEjected(3 * S - 1)).as("second ejection lasts twice as long").isTrue();
        assertThat(state.isEjected(3 * S)).isFalse();
        assertThat(state.ejections()).isEqualTo(2);
    }

    @Test
    void ejectionsAreCappedAtTheMaximum() {
        NodeState state = new NodeState(policy, 0);
        long now = 0;
        for (int ejection = 0; ejection < 10; ejection++) {
            for (int i = 0; i < 3; i++) {
                state.recordFailure(now);
            }
            now += 100 * S;
        }
        state.recordFailure(now);
        state.recordFailure(now);
        state.recordFailure(now);
        assertThat(state.isEjected(now + 8 * S - 1)).isTrue();
        assertThat(state.isEjected(now + 8 * S)).isFalse();
    }

    @Test
    void aSuccessEndsTheRunOfFailures() {
        NodeState state = new NodeState(policy, 0);
        state.recordFailure(0);
        state.recordFailure(0);
        state.recordSuccess(0);
        state.recordFailure(0);
        state.recordFailure(0);

        assertThat(state.isEjected(0)).isFalse();
    }

    @Test
    void lagLeavesAboveTheBoundAndReturnsOnlyBelowTheLowerOne() {
        NodeState state = new NodeState(policy, 0);
        state.recordProbe(true, 10, 1001, Double.NaN, 0);
        assertThat(state.isLagging()).as("over the byte bound").isTrue();
        state.recordProbe(true, 10, 800, Double.NaN, 1 * S);
        assertThat(state.isLagging()).as("under the bound but above the return bound").isTrue();
        state.recordProbe(true, 10, 0, Double.NaN, 2 * S);
        assertThat(state.isLagging()).isFalse();
        state.recordProbe(true, 10, 900, Double.NaN, 3 * S);
        assertThat(state.isLagging()).as("below the leave bound: stays in").isFalse();
    }

    @Test
    void timeLagCountsOnlyWhileBytesAreOutstanding() {
        NodeState state = new NodeState(policy, 0);
        state.recordProbe(true, 10, 0, 3600, 0);
        assertThat(state.lagSeconds()).as("idle primary, caught-up replica").isZero();
        assertThat(state.isLagging()).isFalse();

        state.recordProbe(true, 10, 50, 3600, 10 * S);
        assertThat(state.lagSeconds()).as("just fell behind after a long idle spell").isZero();
        state.recordProbe(true, 10, 50, 3600, 15 * S);
        assertThat(state.lagSeconds()).isEqualTo(5.0);
        assertThat(state.isLagging()).isTrue();
        state.recordProbe(true, 10, 50, 3.0, 16 * S);
        assertThat(state.lagSeconds()).as("the replayed commit's age caps it").isEqualTo(3.0);
        assertThat(state.isLagging()).as("between the return and the leave bound").isTrue();
        state.recordProbe(true, 10, 0, 3.0, 17 * S);
        assertThat(state.lagSeconds()).isZero();
        assertThat(state.isLagging()).isFalse();
    }

    @Test
    void aFailedProbeMarksTheNodeUnreachableUntilOneSucceeds() {
        NodeState state = new NodeState(policy, 0);
        assertThat(state.isReachable()).isTrue();
        state.recordProbeFailure(1);
        assertThat(state.isReachable()).isFalse();
        state.recordProbe(true, 10, 0, Double.NaN, 2);
        assertThat(state.isReachable()).isTrue();
        assertThat(state.inRecovery()).isTrue();
    }

    @Test
    void lsnRoundTrips() {
        assertThat(Lsn.parse("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
        assertThat(Lsn.format(Lsn.parse("16/B374D848"))).isEqualTo("16/B374D848");
        assertThat(Lsn.parse("0/0")).isZero();
    }
}
