package io.flowgres.metrics;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.flowgres.internal.Checks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices attempts slower than a threshold: each is counted per query name, so that
 * {@link #topByCount(int)} and {@link #topByTotalTime(int)} report the worst offenders since start,
 * and logged (query name, node, duration; the SQL and its parameters are never known here, so they
 * can never leak), at most once per query name per {@linkplain Builder#logInterval(Duration) log
 * interval}: when a node stalls, hundreds of attempts a second turn slow at once, and a line for each
 * would flood the log (and write it from event-loop threads) exactly when it is read. A line stands
 * for the slow attempts of its query that were not logged since the one before it ("and 41 more since
 * its last line, slowest 412 ms"); the counts above miss none.
 *
 * <p>Query names are a fixed vocabulary, but to stay bounded whatever callers do, at most
 * {@link #MAX_TRACKED_QUERIES} names are tracked; slow attempts of further names are still logged
 * and counted under {@link #OTHER}.
 */
public final class SlowQueryLog {

    /** Default threshold: attempts slower than this are slow. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(200);
    /** Default log interval: at most one line per query name a second. */
    public static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(1);
    /** Most query names tracked individually. */
    public static final int MAX_TRACKED_QUERIES = 1000;
    /** The name slow attempts of untracked queries are counted under. */
    public static final String OTHER = "(other)";

    private static final Logger log = LoggerFactory.getLogger(SlowQueryLog.class);

    private final Duration threshold;
    private final long thresholdNanos;
    private final Duration logInterval;
    private final long logIntervalNanos;
    private final LongSupplier ticker;
    private final Map<String, Entry> byQuery = new ConcurrentHashMap<>();

    private SlowQueryLog(Builder builder) {
        this.threshold = builder.threshold;
        this.thresholdNanos = threshold.toNanos();
        this.logInterval = builder.logInterval;
        this.logIntervalNanos = logInterval.toNanos();
        this.ticker = builder.ticker;
    }

    /**
     * A log with the {@link #DEFAULT_THRESHOLD} and the {@link #DEFAULT_LOG_INTERVAL}.
     *
     * @return the log
     */
    public static SlowQueryLog defaults() {
        return builder().build();
    }

    /**
     * A log with its own threshold and the {@link #DEFAULT_LOG_INTERVAL}.
     *
     * @param threshold positive; attempts taking longer are slow
     * @return the log
     * @throws IllegalArgumentException when the threshold is not positive
     */
    public static SlowQueryLog withThreshold(Duration threshold) {
        return builder().threshold(threshold).build();
    }

    /**
     * A builder, starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The threshold. */
    public Duration threshold() {
        return threshold;
    }

    /** The shortest time between two log lines of one query name. */
    public Duration logInterval() {
        return logInterval;
    }

    /**
     * Considers one finished attempt: when it was slow, counts it and logs it, or, when its query
     * logged a line less than a log interval ago, counts it for the query's next line.
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
        Entry entry = byQuery.get(query);
        if (entry == null) {
            String key = byQuery.size() < MAX_TRACKED_QUERIES ? query : OTHER;
            entry = byQuery.computeIfAbsent(key, name -> new Entry(ticker.getAsLong()));
        }
        entry.count.increment();
        entry.totalNanos.add(nanos);
        entry.maxNanos.accumulateAndGet(nanos, Math::max);
        entry.lastNode = node;
        logOrCount(entry, query, node, outcome, nanos);
        return true;
    }

    /** Logs the attempt when its query's interval has passed since its last line, else counts it for the next. */
    private void logOrCount(Entry entry, String query, String node, String outcome, long nanos) {
        long now = ticker.getAsLong();
        long due = entry.nextLineAt.get();
        // One line per interval: of attempts racing for it, one logs and the others are counted for the next line.
        boolean lineDue = logIntervalNanos == 0
                || (now - due >= 0 && entry.nextLineAt.compareAndSet(due, now + logIntervalNanos));
        if (!lineDue) {
            entry.unlogged.increment();
            entry.unloggedMaxNanos.accumulateAndGet(nanos, Math::max);
            return;
        }
        long unlogged = entry.unlogged.sumThenReset();
        long slowest = entry.unloggedMaxNanos.getAndSet(0);
        if (unlogged == 0) {
            log.warn("Slow query {} on {}: {} ms ({}), threshold {} ms", query, node, nanos / 1_000_000, outcome,
                    thresholdNanos / 1_000_000);
        } else {
            log.warn("Slow query {} on {}: {} ms ({}), threshold {} ms; and {} more since its last line, slowest {} ms",
                    query, node, nanos / 1_000_000, outcome, thresholdNanos / 1_000_000, unlogged,
                    slowest / 1_000_000);
        }
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
        /** When this query may log its next line, on the log's ticker. */
        final AtomicLong nextLineAt;
        /** Slow attempts since the last line that it did not log, and the slowest of them. */
        final LongAdder unlogged = new LongAdder();
        final AtomicLong unloggedMaxNanos = new AtomicLong();

        Entry(long nowNanos) {
            this.nextLineAt = new AtomicLong(nowNanos);
        }

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

    /** Builds a {@link SlowQueryLog}; not thread-safe. */
    public static final class Builder {

        private Duration threshold = DEFAULT_THRESHOLD;
        private Duration logInterval = DEFAULT_LOG_INTERVAL;
        private LongSupplier ticker = System::nanoTime;

        private Builder() {
        }

        /**
         * Sets the threshold (default {@link #DEFAULT_THRESHOLD}).
         *
         * @param threshold positive; attempts taking longer are slow
         * @return this builder
         * @throws IllegalArgumentException when the threshold is not positive
         */
        public Builder threshold(Duration threshold) {
            this.threshold = Checks.positive(threshold, "threshold");
            return this;
        }

        /**
         * Sets the shortest time between two log lines of one query name (default
         * {@link #DEFAULT_LOG_INTERVAL}); zero logs every slow attempt.
         *
         * @param logInterval zero or more
         * @return this builder
         * @throws IllegalArgumentException when the interval is negative
         */
        public Builder logInterval(Duration logInterval) {
            this.logInterval = Checks.notNegative(logInterval, "logInterval");
            return this;
        }

        /**
         * Sets the clock of the log interval, in nanoseconds (default {@link System#nanoTime()}); exists to
         * facilitate testing.
         *
         * @param ticker the clock
         * @return this builder
         */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = Checks.notNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the log.
         *
         * @return the log
         */
        public SlowQueryLog build() {
            return new SlowQueryLog(this);
        }
    }
}
