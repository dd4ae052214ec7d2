package io.flowgres.routing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.node.Node;

/**
 * Takes the eligible replicas in turn, ignoring their load and latency. Kept as a baseline for
 * comparing smarter strategies.
 */
public final class RoundRobinBalancer implements Balancer {

    private final AtomicInteger next = new AtomicInteger();

    /** Creates a balancer that starts with the first eligible replica. */
    public RoundRobinBalancer() {
    }

    @Override
    public Node pick(List<Node> eligible) {
        return eligible.get(Math.floorMod(next.getAndIncrement(), eligible.size()));
    }
}
