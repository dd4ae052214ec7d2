package io.flowgres.routing;

import io.flowgres.node.Node;
import io.flowgres.node.NodeRole;
import io.flowgres.node.NodeState;

/**
 * A snapshot of one node as routing sees it, for operators and the topology endpoint.
 *
 * @param name the node's name
 * @param configuredRole the role it was configured with, lower case
 * @param observedRole the role the last probe saw, lower case
 * @param status {@code up}, {@code lagging}, {@code down}, {@code ejected}, {@code breaker-open} or {@code drained}
 * @param lagBytes bytes behind the primary
 * @param lagSeconds seconds behind the primary (zero while no bytes are outstanding)
 * @param ewmaMillis the peak-sensitive latency average
 * @param inFlight operations running on it
 * @param weight its static balancing weight
 * @param poolAcquired pooled connections in use
 * @param poolIdle idle pooled connections
 * @param poolPending callers waiting for a connection
 * @param poolMax the pool's maximum size
 */
public record NodeView(String name, String configuredRole, String observedRole, String status, long lagBytes,
        double lagSeconds, double ewmaMillis, int inFlight, double weight, int poolAcquired, int poolIdle,
        int poolPending, int poolMax) {

    /**
     * Takes a snapshot.
     *
     * @param node the node
     * @param router the router, to judge eligibility
     * @param nowNanos the pipeline clock's current time
     * @return the snapshot
     */
    public static NodeView of(Node node, Router router, long nowNanos) {
        NodeState state = node.state();
        String status;
        if (!state.isReachable()) {
            status = "down";
        } else if (!node.isAvailable()) {
            status = "breaker-open";
        } else if (node.isDrained()) {
            status = "drained";
        } else if (state.isEjected(nowNanos)) {
            status = "ejected";
        } else if (node.observedRole() == NodeRole.REPLICA && state.isLagging()) {
            status = "lagging";
        } else {
            status = "up";
        }
        int acquired = node.poolMetrics().map(metrics -> metrics.acquiredSize()).orElse(0);
        int idle = node.poolMetrics().map(metrics -> metrics.idleSize()).orElse(0);
        int pending = node.poolMetrics().map(metrics -> metrics.pendingAcquireSize()).orElse(0);
        return new NodeView(node.name(), lower(node.role()), lower(node.observedRole()), status, state.lagBytes(),
                state.lagSeconds(), state.ewmaNanos() / 1e6, node.inFlight(), node.weight(), acquired, idle, pending,
                node.poolPolicy().maxSize());
    }

    private static String lower(NodeRole role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }
}
