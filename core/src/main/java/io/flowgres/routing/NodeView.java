package io.flowgres.routing;

import io.flowgres.metrics.PoolUsage;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one node as routing sees it, for operators, health reports and the topology
 * endpoint. Names only, never hosts or credentials.
 *
 * @param name the node's name
 * @param configuredRole the role it was configured with, lower case
 * @param observedRole the role the last probe saw, lower case
 * @param status {@code up}, {@code lagging}, {@code down}, {@code ejected}, {@code breaker-open},
 *        or {@code drained}
 * @param lagBytes bytes behind the primary, as last known
 * @param lagSeconds seconds behind the primary (zero while no bytes are outstanding; growing while
 *        the lag cannot be measured)
 * @param lagKnown whether the last probe could measure the lag against the primary
 * @param ewmaMillis the peak-sensitive latency average
 * @param inFlight operations running on it
 * @param weight its static balancing weight
 * @param breaker its circuit breaker's state, lower case
 * @param drained whether an operator drained it
 * @param probeMillis the last probe's round trip, or -1 when it failed or none ran yet
 * @param probeFailure a short, safe reason when the last probe failed
 * @param pool its pool's figures now
 */
public record NodeView(String name, String configuredRole, String observedRole, String status, long lagBytes,
        double lagSeconds, boolean lagKnown, double ewmaMillis, int inFlight, double weight, String breaker,
        boolean drained, double probeMillis, @Nullable String probeFailure, PoolUsage pool) {
}
