package io.flowgres.metrics;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.internal.Checks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices attempts slower than a threshold: each is logged once (query name, node, duration; the
 * SQL and its parameters are never known here, so they can never leak) and counted per query
 * name, so that {@link #topByCount(int)} and {@link #topByTotalTime(int)} report the worst
 * offenders since start.
 *
 * <p>Query names are a fixed vocabulary, but to stay bounded whatever callers do, at most
 * {@link #MAX_TRACKED_QUERIES} names are tracked; slow attempts of further names are still logged
 * and counted under {@link #OTHER}.
 */
public final class SlowQueryLog {

    /** Default threshold: attempts slower than this are slow. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(200);
    /** Most query names tracked individually. */
    public static final int MAX_TRACKED_QUERIES = 1000;
    /** The name slow attempts of untracked queries are counted under. */
    public static final String OTHER = "(other)";

    private static final Logger log = LoggerFactory.getLogger(SlowQueryLog.class);

    private final Duration threshold;
    private final long thresholdNanos;
    private final Map<String, Entry> byQuery = new ConcurrentHashMap<>();

    private SlowQueryLog(Duration threshold) {
        this.threshold = threshold;
        this.thresholdNanos = threshold.toNanos();
    }

    /**
     * A log with the {@link #DEFAULT_THRESHOLD}.
     *
     * @return the log
     */
    public static SlowQueryLog defaults() {
        return new SlowQueryLog(DEFAULT_THRESHOLD);
    }

    /**
     * A log with its own threshold.
     *
     * @param threshold positive; attempts taking longer are slow
     * @return the log
     * @throws IllegalArgumentException when the threshold is not positive
     */
    public static SlowQueryLog withThreshold(Duration threshold) {
        return new SlowQueryLog(Checks.positive(threshold, "threshold"));
    }

    /** The threshold. */
    public Duration threshold() {
        return threshold;
    }

    /**
     * Considers one finished attempt: logs and counts it when it was slow.
     *
     * @param query the query name
     * @param node the node it ran on
     * @param outcome {@code success}, {@code error} or {@code cancelled}
     * @param duration how long it took
     * @return whether it was slow
     */
    public boolean record(String query, String node, String outcome, Duration duration) {
        long nanos = duration.toNanos();
        if (nanos <= thresholdNanos) {
            return false;
        }
        log.warn("Slow query {} on {}: {} ms ({}), threshold {} ms", query, node, nanos / 1_000_000, outcome,
                thresholdNanos / 1_000_000);
        Entry entry = byQuery.get(query);
        if (entry == null) {
            String key = byQuery.size() < MAX_TRACKED_QUERIES ? query : OTHER;
            entry = byQuery.computeIfAbsent(key, name -> new Entry());
        }
        entry.count.increment();
        entry.totalNanos.add(nanos);
        entry.maxNanos.accumulateAndGet(nanos, Math::max);
        entry.lastNode = node;
        return true;
    }

    /**
     * The queries with the most slow attempts, most first.
     *
     * @param limit how many, at least 1
     * @return at most {@code limit} entries
     */
    public List<Stats> topByCount(int limit) {
        return top(limit, Comparator.comparingLong(Stats::count).reversed());
    }

    /**
     * The queries whose slow attempts took the most time in total, most first.
     *
     * @param limit how many, at least 1
     * @return at most {@code limit} entries
     */
    public List<Stats> topByTotalTime(int limit) {
        return top(limit, Comparator.comparing(Stats::totalTime).reversed());
    }

    /** Forgets everything counted so far. */
    public void reset() {
        byQuery.clear();
    }

    private List<Stats> top(int limit, Comparator<Stats> order) {
        Checks.argument(limit >= 1, "limit must be >= 1, was %s", limit);
        return byQuery.entrySet().stream()
                .map(e -> e.getValue().snapshot(e.getKey()))
                .sorted(order.thenComparing(Stats::query))
                .limit(limit)
                .toList();
    }

    /** Counters of one query name; updated without locks from many threads. */
    private static final class Entry {

        final LongAdder count = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        final AtomicLong maxNanos = new AtomicLong();
        volatile String lastNode = "";

        Stats snapshot(String query) {
            return new Stats(query, count.sum(), Duration.ofNanos(totalNanos.sum()),
                    Duration.ofNanos(maxNanos.get()), lastNode);
        }
    }

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
    public record Stats(String query, long count, Duration totalTime, Duration maxTime, String lastNode) {

        /** The mean duration of the slow attempts. */
        public Duration averageTime() {
            return count == 0 ? Duration.ZERO : totalTime.dividedBy(count);
        }
    }
}
