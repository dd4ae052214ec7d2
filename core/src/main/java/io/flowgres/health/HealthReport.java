package io.flowgres.health;

import java.time.Instant;
import java.util.List;

import io.flowgres.metrics.PoolUsage;
import org.jspecify.annotations.Nullable;

/**
 * The health of the whole cluster at one moment: {@code UP} when every node answers,
 * {@code DEGRADED} when the primary answers but some replica does not, {@code DOWN} when the
 * primary does not.
 *
 * @param status the overall status
 * @param checkedAt when the check finished
 * @param nodes one report per node, primary first
 */
public record HealthReport(Status status, Instant checkedAt, List<NodeReport> nodes) {

    /**
     * Creates a report.
     *
     * @param status the overall status
     * @param checkedAt when the check finished
     * @param nodes the node reports, copied
     */
    public HealthReport {
        nodes = List.copyOf(nodes);
    }

    /**
     * Derives the overall status from node reports, the primary's first.
     *
     * @param nodes the node reports, primary first
     * @return the overall status
     */
    public static Status overall(List<NodeReport> nodes) {
        if (nodes.isEmpty() || nodes.get(0).status() != Status.UP) {
            return Status.DOWN;
        }
        return nodes.stream().allMatch(node -> node.status() == Status.UP) ? Status.UP
                : Status.DEGRADED;
    }

    /** The overall state of a cluster, or of one node. */
    public enum Status {
        /** Everything answers. */
        UP,
        /** The primary answers but some replica does not: reads may fall back to the primary; still ready. */
        DEGRADED,
        /** The primary does not answer (or, for a node, the node does not): writes cannot succeed. */
        DOWN
    }

    /**
     * What a health check learnt about one node.
     *
     * @param name the node's name
     * @param role the node's role, lower case
     * @param status {@link Status#UP}, {@link Status#DEGRADED} (a replica that answers
     *        but lags too far or is no longer in recovery) or {@link Status#DOWN}
     * @param latencyMillis how long the check's round trip took, or -1 when it failed
     * @param error a short, safe reason when the node is not up (no host names or credentials)
     * @param breaker the node's circuit-breaker state, lower case ({@code closed}, {@code open}, ...)
     * @param drained whether an operator took the node out of rotation
     * @param inFlight operations running on the node when it was checked
     * @param pool the node's pool when it was checked, or {@code null} when unknown
     * @param lagBytes for a replica, how many WAL bytes it has yet to replay, or {@code null} when
     *        unknown (the primary, or either side not answering)
     */
    public record NodeReport(String name, String role, Status status, double latencyMillis,
            @Nullable String error, String breaker, boolean drained, int inFlight, @Nullable PoolUsage pool,
            @Nullable Long lagBytes) {

        /**
         * A report with the check's result only (no breaker, pool or lag figures).
         *
         * @param name the node's name
         * @param role the node's role, lower case
         * @param status the node's status
         * @param latencyMillis the round trip, or -1
         * @param error a short, safe reason when the node is not up
         */
        public NodeReport(String name, String role, Status status, double latencyMillis, @Nullable String error) {
            this(name, role, status, latencyMillis, error, "unknown", false, 0, null, null);
        }

        /**
         * A copy with another status and reason, e.g. a replica found lagging.
         *
         * @param status the new status
         * @param error the reason
         * @param lagBytes the replica's lag, if known
         * @return the copy
         */
        public NodeReport with(Status status, @Nullable String error, @Nullable Long lagBytes) {
            return new NodeReport(name, role, status, latencyMillis, error, breaker, drained, inFlight, pool, lagBytes);
        }
    }
}
