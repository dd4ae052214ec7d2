package io.flowgres.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.routing.Balancer.Candidate;
import org.junit.jupiter.api.Test;

/**
 * The balancer's choice between two candidates, as plain snapshots: inverse-cost odds between
 * replicas, weights honoured, load counted, a replica whose average is far beyond its rival's left
 * alone, and a replica stalled now excluded.
 */
final class PowerOfTwoChoicesBalancerTest {

    private static final long MS = 1_000_000;
    private static final int PICKS = 20_000;

    private final PowerOfTwoChoicesBalancer balancer = new PowerOfTwoChoicesBalancer(new SplittableRandom(7));

    @Test
    void comparableReplicasShareByInverseCost() {
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate other = replica("other", 1, 2 * MS);

        assertThat(share(fast, other)).as("cost 2 against 1: a third of the reads").isBetween(0.30, 0.37);
    }

    @Test
    void weightsSplitEquallyFastReplicas() {
        Candidate heavy = replica("heavy", 3, 1 * MS);
        Candidate light = replica("light", 1, 1 * MS);

        assertThat(share(heavy, light)).as("weights 3 : 1").isBetween(0.22, 0.28);
    }

    @Test
    void aReplicaThatWasSlowButIsNotStalledKeepsItsInverseCostShare() {
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate slow = replica("slow", 1, 5 * MS);

        assertThat(share(fast, slow)).as("cost 5 against 1, nothing stuck on it: a sixth").isBetween(0.14, 0.20);
    }

    @Test
    void aReplicaWhoseAverageStillHoldsAFreezeIsLeftAlone() {
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate slow = replica("slow", 1, 20 * MS);

        assertThat(share(fast, slow)).as("cost 20 against 1 is beyond 4 x 4").isZero();
    }

    @Test
    void theGapsAreMeasuredBeyondTheWeights() {
        Candidate heavy = replica("heavy", 3, 1 * MS);
        assertThat(share(heavy, replica("light", 1, 2 * MS))).as("cost 2 against 1/3: inverse odds")
                .isBetween(0.11, 0.18);

        assertThat(share(heavy, replica("light", 1, 20 * MS)))
                .as("cost 20 against 1/3 is beyond 4 x 4 x the weight ratio").isZero();
    }

    @Test
    void aReplicaStalledNowTakesNoReads() {
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate stalled = new Candidate("stalled", 1, 1 * MS, 10 * MS, 1);

        assertThat(share(fast, stalled)).as("work unanswered for 10 usual latencies").isZero();
    }

    @Test
    void aStallIsJudgedAgainstTheShorterUsualLatency() {
        // The stalled replica's own average holds an old freeze; its rival's is short.
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate frozenBefore = new Candidate("frozen-before", 1, 3 * MS, 5 * MS, 0);

        assertThat(share(fast, frozenBefore)).as("stalled for 5 of the rival's latencies").isZero();
    }

    @Test
    void aStallIsJudgedAgainstTypicalLatencyNotAPeakStillInTheAverage() {
        // Both averages still hold an 80 ms hiccup; both replicas typically answer in 1 ms.
        Candidate healthy = new Candidate("healthy", 1, 80 * MS, 1 * MS, 0, 2);
        Candidate frozen = new Candidate("frozen", 1, 80 * MS, 1 * MS, 30 * MS, 20);

        assertThat(share(healthy, frozen)).as("frozen for 30 typical latencies: left alone").isZero();
    }

    @Test
    void aShortWaitIsNoStall() {
        Candidate fast = replica("fast", 1, 1 * MS);
        Candidate waiting = new Candidate("waiting", 1, 1 * MS, 3 * MS, 0);

        assertThat(share(fast, waiting)).as("cost 3 against 1, not stalled: a quarter").isBetween(0.22, 0.28);
    }

    @Test
    void loadRaisesTheCost() {
        Candidate busy = new Candidate("busy", 1, 1 * MS, 0, 3);
        Candidate idle = replica("idle", 1, 2 * MS);

        assertThat(share(busy, idle)).as("cost 2 against 1 x 4: two thirds").isBetween(0.63, 0.70);
    }

    @Test
    void costIsTheWorseOfLatencyAndStallTimesLoadOverWeight() {
        assertThat(PowerOfTwoChoicesBalancer.cost(new Candidate("a", 2, 4 * MS, 0, 1))).isEqualTo(4.0 * MS);
        assertThat(PowerOfTwoChoicesBalancer.cost(new Candidate("b", 1, 4 * MS, 10 * MS, 0))).isEqualTo(10.0 * MS);
    }

    @Test
    void aSingleCandidateIsChosen() {
        Candidate only = new Candidate("only", 1, 100 * MS, 100 * MS, 50);

        assertThat(balancer.pick(List.of(only))).isSameAs(only);
    }

    @Test
    void everyCandidateOfManyGetsReads() {
        List<Candidate> eligible = List.of(replica("a", 1, 1 * MS), replica("b", 1, 1 * MS),
                replica("c", 1, 1 * MS), replica("d", 1, 1 * MS));
        int[] chosen = new int[eligible.size()];
        for (int i = 0; i < PICKS; i++) {
            chosen[eligible.indexOf(balancer.pick(eligible))]++;
        }

        for (int count : chosen) {
            assertThat((double) count / PICKS).as("four equal replicas").isBetween(0.22, 0.28);
        }
    }

    /** The share of the reads the second candidate takes. */
    private double share(Candidate first, Candidate second) {
        List<Candidate> eligible = List.of(first, second);
        int chosen = 0;
        for (int i = 0; i < PICKS; i++) {
            if (balancer.pick(eligible) == second) {
                chosen++;
            }
        }
        return (double) chosen / PICKS;
    }

    private static Candidate replica(String name, double weight, long latencyNanos) {
        return new Candidate(name, weight, latencyNanos, 0, 0);
    }
}
