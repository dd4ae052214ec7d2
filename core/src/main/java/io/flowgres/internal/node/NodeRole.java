package io.flowgres.internal.node;

/** The role a node plays in the cluster. */
public enum NodeRole {
    /** Accepts writes; the source of replication. */
    PRIMARY,
    /** A streaming replica (hot standby): read-only, possibly behind the primary. */
    REPLICA
}
