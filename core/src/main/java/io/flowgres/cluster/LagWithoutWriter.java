package io.flowgres.cluster;

/**
 * What a replica's lag is taken to be while the prober cannot reach the writer (the primary is
 * down, frozen, restarting or cut off), so that nothing can be measured against its position.
 *
 * <p>The choice is between two promises. {@link #GROWS}, the default, never calls a replica fresh
 * without evidence: the writer may still be taking writes somewhere the prober cannot see, so every
 * second without a measurement counts as a second behind, and once past
 * {@link RoutingPolicy#maxLag()} the replicas leave rotation; reads then fail until the writer or a
 * promoted replica answers (a per-request {@link io.flowgres.routing.Staleness} budget can keep
 * some). {@link #LAST_WRITER_POSITION} keeps reads up through a primary outage: a replica is
 * measured against the last position the writer reported (what Patroni's replica lag check does
 * with the leader's last known position), so one that has replayed it stays in rotation for as long
 * as the writer is gone, and one that has not is behind, its time lag growing until it has.
 */
public enum LagWithoutWriter {

    /**
     * Unknown: the last measured lag stands and its time part grows by the time since it was
     * measured, so a replica leaves rotation once it passes {@link RoutingPolicy#maxLag()}.
     */
    GROWS,

    /**
     * Measured in bytes against the writer's last known position: its WAL flush position (all a
     * replica can receive) read by the last probe round in which the writer answered, at most one
     * probe interval before it went away, or less when every replica that was in rotation received
     * less (WAL flushed but not yet sent when the writer froze or died is on no reachable node). A
     * replica that has replayed it misses at most the writes committed in that last interval, and,
     * only if the writer is in fact still taking writes out of the prober's sight, those since;
     * reads of one's own writes stay exact either way, since a
     * {@link io.flowgres.routing.ConsistencyToken} past a replica's replay position still keeps the
     * read off it. Before the writer has been probed once, as {@link #GROWS}.
     */
    LAST_WRITER_POSITION
}
