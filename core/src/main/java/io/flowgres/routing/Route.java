package io.flowgres.routing;

/**
 * Where an operation may run.
 */
public enum Route {
    /** Only the primary: writes, transactions, and reads that must see the latest commit. */
    PRIMARY,
    /** A replica when one is eligible, else the primary. The default for reads. */
    REPLICA_PREFERRED,
    /** Only a replica; fails fast with an unavailable error when none is eligible. */
    REPLICA_ONLY
}
