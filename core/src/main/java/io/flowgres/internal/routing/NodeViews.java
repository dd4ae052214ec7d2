package io.flowgres.internal.routing;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeHealth;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Topology;

/**
 * The public snapshot of the nodes as routing sees them: one {@link NodeView} per node, whose
 * status names the first reason, in routing's order, that keeps it out of rotation.
 */
final class NodeViews {

    private NodeViews() {
    }

    /**
     * Snapshots the cluster.
     *
     * @param nodes every node
     * @param writer the node writes go to now
     * @param now the clock's current time, for ejections
     * @return the topology
     */
    static Topology topology(List<Node> nodes, Node writer, long now) {
        List<NodeView> views = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            views.add(view(node, writer, now));
        }
        return new Topology(writer.name(), views);
    }

    private static NodeView view(Node node, Node writer, long now) {
        NodeHealth.Probe probe = node.health().probe();
        return new NodeView(node.name(), node.role().tag(), node.observedRole().tag(),
                status(node, writer, probe, now), probe.lagBytes(), probe.lagSeconds(), probe.lagKnown(),
                node.health().ewmaNanos() / 1e6, node.load().inFlight(), node.weight(), node.gate().breakerState(),
                node.gate().isDrained(), probe.rttNanos() < 0 ? -1 : probe.rttNanos() / 1e6, probe.failure(),
                node.poolUsage());
    }

    private static String status(Node node, Node writer, NodeHealth.Probe probe, long now) {
        if (node != writer && node.observedRole() == NodeRole.PRIMARY && probe.reachable()) {
            return "fenced";
        } else if (!probe.reachable()) {
            return "down";
        } else if (!node.gate().isAvailable()) {
            return "breaker-open";
        } else if (node.gate().isDrained()) {
            return "drained";
        } else if (node.health().isEjected(now)) {
            return "ejected";
        } else if (node.observedRole() == NodeRole.REPLICA && probe.lagging()) {
            return "lagging";
        }
        return "up";
    }
}
