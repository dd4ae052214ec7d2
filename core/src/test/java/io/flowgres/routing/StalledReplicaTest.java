package io.flowgres.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The balancer's strict exclusion, with plain candidate values: a replica stalled now and far
 * costlier than its rival gets no read at all; one that is merely costlier keeps inverse-cost odds
 * unless it is a far outlier.
 */
final class StalledReplicaTest {

    private static final long MS = 1_000_000;
    private static final int PICKS = 20_000;

    private final Balancer balancer = Balancer.powerOfTwoChoices(new SplittableRandom(11));

    @Test
    void stalledReplicaGetsNoRead() {
        Balancer.Candidate healthy = new Balancer.Candidate("healthy", 1, 1 * MS, 0, 2);
        Balancer.Candidate frozen = new Balancer.Candidate("frozen", 1, 1 * MS, 30 * MS, 1);

        assertThat(share(frozen, healthy)).isZero();
    }

    @Test
    void stallShorterThanFourUsualLatenciesIsNoVerdict() {
        Balancer.Candidate healthy = new Balancer.Candidate("healthy", 1, 1 * MS, 0, 0);
        Balancer.Candidate busy = new Balancer.Candidate("busy", 1, 1 * MS, 3 * MS, 0);

        assertThat(share(busy, healthy)).as("cost 3 against 1").isBetween(0.2, 0.3);
    }

    @Test
    void slowButAnsweringReplicaKeepsInverseCostOdds() {
        Balancer.Candidate fast = new Balancer.Candidate("fast", 1, 1 * MS, 0, 0);
        Balancer.Candidate slow = new Balancer.Candidate("slow", 1, 6 * MS, 0, 0);

        assertThat(share(slow, fast)).as("cost 6 against 1, not stalled").isBetween(0.11, 0.18);
    }

    @Test
    void farOutlierIsLeftAloneEvenWithoutAStall() {
        Balancer.Candidate fast = new Balancer.Candidate("fast", 1, 1 * MS, 0, 0);
        Balancer.Candidate outlier = new Balancer.Candidate("outlier", 1, 17 * MS, 0, 0);

        assertThat(share(outlier, fast)).isZero();
    }

    @Test
    void weightsWidenTheTolerance() {
        Balancer.Candidate light = new Balancer.Candidate("light", 1, 1 * MS, 0, 0);
        Balancer.Candidate heavy = new Balancer.Candidate("heavy", 4, 1 * MS, 0, 0);

        assertThat(share(light, heavy)).as("weights 4 : 1").isBetween(0.17, 0.23);
    }

    private double share(Balancer.Candidate of, Balancer.Candidate rival) {
        int hits = 0;
        for (int i = 0; i < PICKS; i++) {
            if (balancer.pick(List.of(of, rival)) == of) {
                hits++;
            }
        }
        return (double) hits / PICKS;
    }
}
