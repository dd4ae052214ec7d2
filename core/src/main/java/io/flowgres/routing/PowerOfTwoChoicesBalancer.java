package io.flowgres.routing;

import java.util.List;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;
import io.flowgres.node.Node;

/**
 * The default balancer: draws two eligible replicas at random and takes the cheaper, where
 * {@code cost = EWMA latency × (in-flight + waiting acquires + 1) / weight}. Two random choices
 * avoid the herd that "always the cheapest" causes when every client sees the same figures, while
 * still steering load away from a slow or saturated replica within a few requests.
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
        return cost(a) <= cost(b) ? a : b;
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
