package io.flowgres.metrics;

import java.time.Duration;

/**
 * Totals of every query attempt since start, for health summaries; dashboards should use the
 * {@code flowgres.query} timer instead, which keeps the detail.
 *
 * @param attempts attempts finished
 * @param errors attempts that failed
 * @param totalTime their summed duration
 */
public record QueryStats(long attempts, long errors, Duration totalTime) {

    /** The mean attempt duration in milliseconds, 0 before the first attempt. */
    public double averageMillis() {
        return attempts == 0 ? 0 : totalTime.toNanos() / 1e6 / attempts;
    }

    /** The share of attempts that failed, 0 to 1; 0 before the first attempt. */
    public double errorRate() {
        return attempts == 0 ? 0 : (double) errors / attempts;
    }
}
