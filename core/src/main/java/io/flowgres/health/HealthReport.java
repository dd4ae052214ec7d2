package io.flowgres.health;

import java.time.Instant;
import java.util.List;

/**
 * The health of the whole cluster at one moment: {@code UP} when every node answers,
 * {@code DEGRADED} when the primary answers but some replica does not, {@code DOWN} when the
 * primary does not.
 *
 * @param status the overall status
 * @param checkedAt when the check finished
 * @param nodes one report per node, primary first
 */
public record HealthReport(HealthStatus status, Instant checkedAt, List<NodeReport> nodes) {

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
    public static HealthStatus overall(List<NodeReport> nodes) {
        if (nodes.isEmpty() || nodes.get(0).status() != HealthStatus.UP) {
            return HealthStatus.DOWN;
        }
        return nodes.stream().allMatch(node -> node.status() == HealthStatus.UP) ? HealthStatus.UP
                : HealthStatus.DEGRADED;
    }
}
