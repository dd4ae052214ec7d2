package io.flowgres.routing;

import java.util.List;

import io.flowgres.node.Node;

/**
 * Picks one replica for a read among those that are eligible right now. Implementations must be
 * thread-safe and must not block: they run on every read, on an event-loop thread.
 */
public interface Balancer {

    /**
     * Picks a node.
     *
     * @param eligible the candidates, never empty
     * @return one of the candidates
     */
    Node pick(List<Node> eligible);
}
