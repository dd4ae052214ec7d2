package io.flowgres.health;

/** The overall state of a cluster, or of one node. */
public enum HealthStatus {
    /** Everything answers. */
    UP,
    /** The primary answers but some replica does not: reads may fall back to the primary; still ready. */
    DEGRADED,
    /** The primary does not answer (or, for a node, the node does not): writes cannot succeed. */
    DOWN
}
