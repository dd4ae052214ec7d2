package io.flowgres.reference.health;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flowgres.health.HealthReport;
import org.jspecify.annotations.Nullable;

/**
 * The body of the health endpoints: the status and the figures an operator glances at first
 * (response time, connection counts, average query time, error rate), plus node details only for an
 * authorised caller. Host names, users and error texts never appear here without authorisation.
 *
 * @param status {@code UP}, {@code DEGRADED} or {@code DOWN}
 * @param checkedAt when the report was made
 * @param ageMillis how old the report is, or {@code null} before the first check
 * @param responseTimeMillis how long this answer took to produce
 * @param connections connection counts summed over every node's pool
 * @param queries query totals since start
 * @param nodes one entry per node, primary first; only for an authorised caller
 */
public record HealthSummary(String status, Instant checkedAt, @Nullable Long ageMillis, double responseTimeMillis,
        Connections connections, Queries queries, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<HealthReport.NodeReport> nodes) {

    /**
     * Connection counts over every node's pool.
     *
     * @param active connections in use
     * @param idle connections open and free
     * @param pending callers waiting for one
     * @param max the summed maximum pool sizes
     */
    public record Connections(int active, int idle, int pending, int max) {
    }

    /**
     * Query totals since start.
     *
     * @param count attempts finished
     * @param averageMillis their mean duration
     * @param errorRate the share that failed, 0 to 1
     */
    public record Queries(long count, double averageMillis, double errorRate) {
    }
}
