package io.flowgres.metrics;

import java.time.Duration;

/**
 * The slow attempts of one query since start. Carries names and durations only: never SQL text or
 * parameter values.
 *
 * @param query the query name
 * @param count how many attempts were slow
 * @param totalTime their summed duration
 * @param maxTime the slowest one
 * @param lastNode the node the latest one ran on
 */
public record SlowQueryStats(String query, long count, Duration totalTime, Duration maxTime, String lastNode) {

    /** The mean duration of the slow attempts. */
    public Duration averageTime() {
        return count == 0 ? Duration.ZERO : totalTime.dividedBy(count);
    }
}
