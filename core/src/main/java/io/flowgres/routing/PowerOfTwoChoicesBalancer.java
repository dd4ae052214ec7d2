package io.flowgres.routing;

import java.util.List;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;

/**
 * The default balancer: draws two eligible replicas at random and chooses between them with odds
 * inverse to their cost, {@code cost = EWMA latency × (in-flight + waiting acquires + 1) / weight}, where
 * the latency is raised to the node's current stall when work on it stopped finishing (a frozen node
 * is avoided within milliseconds, before its first slow answer reaches the average).
 *
 * <p>Two random choices avoid the herd that "always the cheapest" causes when every client sees the
 * same figures. Between two comparable candidates the choice goes by inverse cost rather than always
 * to the cheaper one, which keeps the static weights meaningful: two equally fast idle replicas of
 * weights 3 and 1 take about 75 % and 25 % of the reads. When one candidate is stalled now (work on
 * it has gone unanswered for more than {@value #DOMINANCE} times the shorter typical latency) and
 * costs more than {@value #DOMINANCE} times the other beyond what their weights explain, the cheaper
 * one takes the read outright: inverse-cost odds would still send a frozen replica one read in
 * fifty, and every such read waits for the freeze to end. A replica that was merely slow a while
 * ago (a latency peak still in its average) keeps its inverse-cost share unless it costs more than
 * {@value #OUTLIER} × {@value #DOMINANCE} times the other (its average still holds a freeze), so a
 * passing hiccup does not empty it.
 */
final class PowerOfTwoChoicesBalancer implements Balancer {

    /**
     * How many times {@link #DOMINANCE} costlier than the other, weights aside, a candidate that is
     * not stalled may be and still be chosen: a replica whose average holds a long freeze is left
     * alone until its average has come down, a latency peak of a few milliseconds is not.
     */
    static final double OUTLIER = 4.0;

    /**
     * How many times costlier than the other, weights aside, a stalled candidate may be and still be
     * chosen; also how many usual latencies unanswered work must wait to count as a stall.
     */
    static final double DOMINANCE = 4.0;

    private final RandomGenerator random;

    /**
     * Creates the balancer.
     *
     * @param random the source of the two draws (seeded in tests)
     */
    PowerOfTwoChoicesBalancer(RandomGenerator random) {
        this.random = Checks.notNull(random, "random");
    }

    @Override
    public Candidate pick(List<Candidate> eligible) {
        int size = eligible.size();
        if (size == 1) {
            return eligible.get(0);
        }
        int first = random.nextInt(size);
        int second = random.nextInt(size - 1);
        if (second >= first) {
            second++;
        }
        Candidate a = eligible.get(first);
        Candidate b = eligible.get(second);
        double costA = cost(a);
        double costB = cost(b);
        // Equal latencies make the costs differ by the weight ratio; only a gap beyond that is a verdict.
        double tolerance = DOMINANCE * Math.max(a.weight() / b.weight(), b.weight() / a.weight());
        if (leftAlone(a, costA, b, costB, tolerance)) {
            return b;
        }
        if (leftAlone(b, costB, a, costA, tolerance)) {
            return a;
        }
        // P(a) = costB / (costA + costB): inverse-cost odds between the two candidates.
        return random.nextDouble() * (costA + costB) < costB ? a : b;
    }

    /**
     * Whether a candidate is so much costlier than its rival that the rival takes the read outright:
     * beyond the tolerance and stalled now, or beyond {@value #OUTLIER} times the tolerance.
     */
    private static boolean leftAlone(Candidate node, double cost, Candidate rival, double rivalCost,
            double tolerance) {
        return cost > tolerance * rivalCost && (stalledAgainst(node, rival) || cost > OUTLIER * tolerance * rivalCost);
    }

    /**
     * Whether a node's unanswered work is older than {@value #DOMINANCE} times the shorter of the two
     * typical latencies: typical, not the peak-sensitive average, which holds any peak for seconds
     * (a 80 ms hiccup would hide a 300 ms freeze); the shorter, so that a freeze in the node's own
     * recent past does not delay the verdict either.
     */
    private static boolean stalledAgainst(Candidate node, Candidate rival) {
        return node.stallNanos() > DOMINANCE * Math.min(node.typicalNanos(), rival.typicalNanos());
    }

    /**
     * The cost of sending one more request to a node.
     *
     * @param node the candidate
     * @return {@code max(ewma, stall) × (in-flight + pending + 1) / weight}, where the stall is how long
     *         work has been in flight on the node without any of it finishing
     */
    static double cost(Candidate node) {
        double latency = Math.max(node.latencyNanos(), node.stallNanos());
        return latency * (node.load() + 1) / node.weight();
    }
}
