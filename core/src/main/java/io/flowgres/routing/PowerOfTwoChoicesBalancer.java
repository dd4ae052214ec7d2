package io.flowgres.routing;

import java.util.List;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;
import io.flowgres.node.Node;

/**
 * The default balancer: draws two eligible replicas at random and chooses between them with odds
 * inverse to their cost, {@code cost = EWMA latency × (in-flight + waiting acquires + 1) / weight}, where
 * the latency is raised to the node's current stall when work on it stopped finishing (a frozen node
 * is avoided within milliseconds, before its first slow answer reaches the average).
 *
 * <p>Two random choices avoid the herd that "always the cheapest" causes when every client sees the
 * same figures. Between two comparable candidates the choice goes by inverse cost rather than always
 * to the cheaper one, which keeps the static weights meaningful: two equally fast idle replicas of
 * weights 3 and 1 take about 75 % and 25 % of the reads. When one candidate costs more than
 * {@value #DOMINANCE} times the other, beyond what their weights explain, the cheaper one takes the
 * read outright: inverse-cost odds would still send a stalled replica one read in fifty, and every
 * such read waits for the stall to end. The excluded replica returns as its cost falls (its stall
 * ends when work finishes, and probes keep feeding its latency average).
 */
public final class PowerOfTwoChoicesBalancer implements Balancer {

    /** How many times costlier than the other, weights aside, a candidate may be and still be chosen. */
    public static final double DOMINANCE = 4.0;

    private final RandomGenerator random;

    /**
     * Creates the balancer.
     *
     * @param random the source of the two draws (seeded in tests)
     */
    public PowerOfTwoChoicesBalancer(RandomGenerator random) {
        this.random = Checks.notNull(random, "random");
    }

    @Override
    public Node pick(List<Node> eligible) {
        int size = eligible.size();
        if (size == 1) {
            return eligible.get(0);
        }
        int first = random.nextInt(size);
        int second = random.nextInt(size - 1);
        if (second >= first) {
            second++;
        }
        Node a = eligible.get(first);
        Node b = eligible.get(second);
        double costA = cost(a);
        double costB = cost(b);
        // Equal latencies make the costs differ by the weight ratio; only a gap beyond that is a verdict.
        double tolerance = DOMINANCE * Math.max(a.weight() / b.weight(), b.weight() / a.weight());
        if (costA > tolerance * costB) {
            return b;
        }
        if (costB > tolerance * costA) {
            return a;
        }
        // P(a) = costB / (costA + costB): inverse-cost odds between the two candidates.
        return random.nextDouble() * (costA + costB) < costB ? a : b;
    }

    /**
     * The cost of sending one more request to a node.
     *
     * @param node the node
     * @return {@code max(ewma, stall) × (in-flight + pending + 1) / weight}, where the stall is how long
     *         work has been in flight on the node without any of it finishing
     */
    public static double cost(Node node) {
        double latency = Math.max(node.state().ewmaNanos(), node.stallNanos());
        return latency * (node.load() + 1) / node.weight();
    }
}
