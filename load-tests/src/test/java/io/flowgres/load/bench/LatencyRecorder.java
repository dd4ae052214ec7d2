package io.flowgres.load.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Collects request latencies of one benchmark phase and summarises them as percentiles. */
final class LatencyRecorder {

    private final long[] nanos;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();
    private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();

    LatencyRecorder(int capacity) {
        this.nanos = new long[capacity];
    }

    void record(long latencyNanos) {
        int index = count.getAndIncrement();
        if (index < nanos.length) {
            nanos[index] = latencyNanos;
        }
    }

    long countAbove(long thresholdNanos) {
        int n = Math.min(count.get(), nanos.length);
        long slow = 0;
        for (int i = 0; i < n; i++) {
            if (nanos[i] > thresholdNanos) {
                slow++;
            }
        }
        return slow;
    }

    /** Requests recorded so far (failures not included). */
    int count() {
        return Math.min(count.get(), nanos.length);
    }

    void fail() {
        failures.incrementAndGet();
    }

    /** Counts a failure and why: the error's type and the start of its message. */
    void fail(Throwable error) {
        fail();
        String message = String.valueOf(error.getMessage());
        reasons.computeIfAbsent(error.getClass().getSimpleName() + ": "
                + message.substring(0, Math.min(120, message.length())), reason -> new LongAdder()).increment();
    }

    /** Why requests failed, most frequent first, as {@code count × reason} lines. */
    String failureReasons() {
        StringBuilder lines = new StringBuilder();
        reasons.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(entry -> lines.append("  ").append(entry.getValue().sum()).append(" × ")
                        .append(entry.getKey()).append('\n'));
        return lines.toString();
    }

    Summary summarise(double seconds) {
        int n = Math.min(count.get(), nanos.length);
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        return new Summary(n, failures.get(), percentile(sorted, 0.50), percentile(sorted, 0.99),
                percentile(sorted, 0.999), percentile(sorted, 1.0), n / seconds);
    }

    private static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    /** One phase's figures; latencies in milliseconds. */
    record Summary(int requests, long failures, double p50, double p99, double p999, double max, double throughput) {

        @Override
        public String toString() {
            return String.format("%,8d requests, %d failed, p50 %7.2f ms, p99 %8.2f ms, p99.9 %8.2f ms, max %8.2f ms, "
                    + "%8.1f req/s", requests, failures, p50, p99, p999, max, throughput);
        }
    }
}
