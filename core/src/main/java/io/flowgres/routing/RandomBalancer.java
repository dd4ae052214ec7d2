package io.flowgres.routing;

import java.util.List;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;
import io.flowgres.node.Node;

/** Picks an eligible replica uniformly at random; a baseline for comparisons. */
public final class RandomBalancer implements Balancer {

    private final RandomGenerator random;

    /**
     * Creates the balancer.
     *
     * @param random the source of the draws
     */
    public RandomBalancer(RandomGenerator random) {
        this.random = Checks.notNull(random, "random");
    }

    @Override
    public Node pick(List<Node> eligible) {
        return eligible.get(random.nextInt(eligible.size()));
    }
}
