package io.flowgres.health;

import io.flowgres.metrics.PoolUsage;
import org.jspecify.annotations.Nullable;

/**
 * What a health check learnt about one node.
 *
 * @param name the node's name
 * @param role the node's role, lower case
 * @param status {@link HealthStatus#UP}, {@link HealthStatus#DEGRADED} (a replica that answers
 *        but lags too far or is no longer in recovery) or {@link HealthStatus#DOWN}
 * @param latencyMillis how long the check's round trip took, or -1 when it failed
 * @param error a short, safe reason when the node is not up (no host names or credentials)
 * @param breaker the node's circuit-breaker state, lower case ({@code closed}, {@code open}, ...)
 * @param drained whether an operator took the node out of rotation
 * @param inFlight operations running on the node when it was checked
 * @param pool the node's pool when it was checked, or {@code null} when unknown
 * @param lagBytes for a replica, how many WAL bytes it has yet to replay, or {@code null} when
 *        unknown (the primary, or either side not answering)
 */
public record NodeReport(String name, String role, HealthStatus status, double latencyMillis,
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
    public NodeReport(String name, String role, HealthStatus status, double latencyMillis, @Nullable String error) {
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
    public NodeReport with(HealthStatus status, @Nullable String error, @Nullable Long lagBytes) {
        return new NodeReport(name, role, status, latencyMillis, error, breaker, drained, inFlight, pool, lagBytes);
    }
}
