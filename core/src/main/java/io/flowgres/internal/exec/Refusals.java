package io.flowgres.internal.exec;

import java.util.HashSet;
import java.util.Set;

/**
 * The nodes whose concurrency limit refused one operation. Nearly every operation is refused by
 * none, and every attempt asks: the set is immutable and replaced on the rare addition, so that asking
 * costs a read of one field and an operation allocates no concurrent set. A hedge may add from another
 * thread.
 */
final class Refusals {

    private volatile Set<String> nodes = Set.of();

    /**
     * Notes a node's refusal.
     *
     * @param node the node's name
     */
    synchronized void add(String node) {
        if (!nodes.contains(node)) {
            Set<String> more = new HashSet<>(nodes);
            more.add(node);
            nodes = Set.copyOf(more);
        }
    }

    /**
     * Whether the node refused the operation before.
     *
     * @param node the node's name
     * @return {@code true} when it did
     */
    boolean contains(String node) {
        return nodes.contains(node);
    }

    /** The nodes that refused so far, as an immutable snapshot. */
    Set<String> snapshot() {
        return nodes;
    }
}
