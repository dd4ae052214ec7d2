package io.flowgres.routing;

import java.util.List;
import java.util.Optional;

/**
 * The cluster as routing sees it at one moment: one {@link NodeView} per node, the configured
 * primary first, and which node takes writes now.
 *
 * @param writer the name of the node writes go to
 * @param nodes the node snapshots
 */
public record Topology(String writer, List<NodeView> nodes) {

    /**
     * Creates a topology.
     *
     * @param writer the writing node's name
     * @param nodes the snapshots, copied
     */
    public Topology {
        nodes = List.copyOf(nodes);
    }

    /**
     * Finds a node's snapshot by name.
     *
     * @param name the node's configured name
     * @return the snapshot, or empty when no node has that name
     */
    public Optional<NodeView> node(String name) {
        return nodes.stream().filter(node -> node.name().equals(name)).findFirst();
    }

    /** Operations running on any node now. */
    public int inFlight() {
        return nodes.stream().mapToInt(NodeView::inFlight).sum();
    }
}
