package io.flowgres.routing;

import java.util.List;

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
}
