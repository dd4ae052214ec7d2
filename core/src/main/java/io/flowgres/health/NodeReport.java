package io.flowgres.health;

import org.jspecify.annotations.Nullable;

/**
 * What a health check learnt about one node.
 *
 * @param name the node's name
 * @param role the node's role, lower case
 * @param status {@link HealthStatus#UP} or {@link HealthStatus#DOWN}
 * @param latencyMillis how long the check's round trip took, or -1 when it failed
 * @param error a short, safe reason when the node is down (no host names or credentials)
 */
public record NodeReport(String name, String role, HealthStatus status, double latencyMillis,
        @Nullable String error) {
}
