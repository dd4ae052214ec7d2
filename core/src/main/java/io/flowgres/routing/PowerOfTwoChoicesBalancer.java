package io.flowgres.routing;

import java.util.List;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;
import io.flowgres.node.Node;

/**
 * The default balancer: draws two eligible replicas at random and chooses between them with odds
 * inverse to their cost, {@code cost = EWMA latency × (in-flight + waiting acquires + 1) / weight}.
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
     * @return {@code ewma × (in-flight + pending + 1) / weight}
     */
    public static double cost(Node node) {
        return node.state().ewmaNanos() * (node.load() + 1) / node.weight();
    }
}
