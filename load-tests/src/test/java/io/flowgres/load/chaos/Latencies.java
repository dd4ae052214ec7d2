package io.flowgres.load.chaos;

import java.util.Arrays;
import java.util.Collection;

/**
 * Nearest-rank percentiles of a set of latencies, in milliseconds ({@code NaN} when there are none).
 *
 * @param count how many
 * @param p50 the median
 * @param p99 the 99th percentile
 * @param p999 the 99.9th percentile
 * @param max the largest
 */
record Latencies(int count, double p50, double p99, double p999, double max) {

    /** The latencies of the given outcomes. */
    static Latencies of(Collection<Outcome> outcomes) {
        long[] nanos = outcomes.stream().mapToLong(Outcome::latencyNanos).toArray();
        Arrays.sort(nanos);
        return new Latencies(nanos.length, percentile(nanos, 0.50), percentile(nanos, 0.99),
                percentile(nanos, 0.999), percentile(nanos, 1.0));
    }

    /** The value at {@code quantile} (0..1] of sorted nanoseconds, in milliseconds, by nearest rank. */
    static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    /** {@code p50 / p99 / p99.9 / max} in ms, for a table cell. */
    String cells() {
        return count == 0 ? "- | - | - | -" : String.format("%s | %s | %s | %s", ms(p50), ms(p99), ms(p999), ms(max));
    }

    /** A latency in ms with sensible precision. */
    static String ms(double millis) {
        if (Double.isNaN(millis)) {
            return "-";
        }
        return millis < 10 ? String.format("%.1f", millis) : String.format("%,.0f", millis);
    }
}
