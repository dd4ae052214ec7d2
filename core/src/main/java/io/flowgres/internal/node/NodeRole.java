package io.flowgres.internal.node;

import java.util.Locale;

/** The role a node plays in the cluster. */
public enum NodeRole {
    /** Accepts writes; the source of replication. */
    PRIMARY,
    /** A streaming replica (hot standby): read-only, possibly behind the primary. */
    REPLICA;

    /** The role as metrics and observations tag it, made once rather than per attempt. */
    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The role as metrics and observations tag it: {@code primary} or {@code replica}. */
    public String tag() {
        return tag;
    }
}
