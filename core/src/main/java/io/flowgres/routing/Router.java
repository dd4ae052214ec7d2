package io.flowgres.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.flowgres.UnavailableException;
import io.flowgres.node.Node;

/**
 * Resolves a {@link Route} to one node, afresh for every attempt: a replica chosen by the
 * {@link Balancer} among those whose breaker lets calls through and that are not drained, or the
 * primary.
 */
public final class Router {

    private final Node primary;
    private final List<Node> replicas;
    private final Balancer balancer;
    private final Duration breakerOpenDuration;

    /**
     * Creates a router.
     *
     * @param primary the primary node
     * @param replicas the replica nodes
     * @param balancer picks among eligible replicas
     * @param breakerOpenDuration the breakers' open time, for retry-after hints
     */
    public Router(Node primary, List<Node> replicas, Balancer balancer, Duration breakerOpenDuration) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        this.balancer = balancer;
        this.breakerOpenDuration = breakerOpenDuration;
    }

    /**
     * Chooses the node for one attempt.
     *
     * @param route where the operation may run
     * @param queryName the query, for the error message
     * @return the node
     * @throws UnavailableException when the route allows no node that can take calls now
     */
    public Node select(Route route, String queryName) {
        if (route != Route.PRIMARY) {
            List<Node> eligible = eligibleReplicas();
            if (!eligible.isEmpty()) {
                return balancer.pick(eligible);
            }
            if (route == Route.REPLICA_ONLY) {
                throw new UnavailableException("no replica available for " + queryName + " (route REPLICA_ONLY)",
                        queryName, null, null, Duration.ofSeconds(1), null);
            }
        }
        if (!primary.isAvailable()) {
            throw new UnavailableException("primary unavailable for " + queryName + ": circuit breaker open",
                    queryName, primary.name(), null, primary.retryAfter(breakerOpenDuration), null);
        }
        return primary;
    }

    private List<Node> eligibleReplicas() {
        List<Node> eligible = new ArrayList<>(replicas.size());
        for (Node replica : replicas) {
            if (replica.isAvailable() && !replica.isDrained()) {
                eligible.add(replica);
            }
        }
        return eligible;
    }
}
