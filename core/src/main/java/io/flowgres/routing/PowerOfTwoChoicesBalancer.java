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
 * same figures. Choosing by inverse cost rather than always the cheaper of the two keeps the static
 * weights meaningful: two equally fast idle replicas of weights 3 and 1 take about 75 % and 25 % of
 * the reads, while a replica that stalls (its in-flight count and peak latency soar) gets almost
 * none within a few requests.
 */
public final class PowerOfTwoChoicesBalancer implements Balancer {

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
