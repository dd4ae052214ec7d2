package io.flowgres.routing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes the eligible replicas in turn, ignoring their load and latency. Kept as a baseline for
 * comparing smarter strategies.
 */
final class RoundRobinBalancer implements Balancer {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Candidate pick(List<Candidate> eligible) {
        return eligible.get(Math.floorMod(next.getAndIncrement(), eligible.size()));
    }
}
