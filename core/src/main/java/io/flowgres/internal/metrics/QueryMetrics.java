package io.flowgres.internal.metrics;

import io.flowgres.metrics.QueryStats;
import io.flowgres.metrics.SlowQueryLog;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

import io.flowgres.internal.SqlStates;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.QueryTimeoutException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the query pipeline does: one timer sample per attempt ({@code flowgres.query},
 * tagged {@code query}, {@code node}, {@code role}, {@code outcome}) and one count per retry
 * ({@code flowgres.retries}, tagged {@code query} and {@code reason}), one count per failed attempt
 * ({@code flowgres.errors}, tagged {@code query}, {@code node}, {@code sqlstate_class}: the SQLSTATE's
 * first two characters, or {@code none}, and {@code reason}: {@code connection}, {@code timeout},
 * {@code acquire}, {@code overloaded}, {@code breaker}...). Tags are low-cardinality: query names are a fixed vocabulary,
 * never SQL text. Every attempt also goes to the {@link SlowQueryLog} and into running totals
 * ({@link #stats()}), and is one {@linkplain QueryObservation Observation} in the application's
 * {@link ObservationRegistry}, when it gave one.
 */
public final class QueryMetrics {

    /** Name of the per-attempt timer. */
    public static final String QUERY_TIMER = "flowgres.query";
    /** Name of the retry counter. */
    public static final String RETRY_COUNTER = "flowgres.retries";
    /** Name of the failed-attempt counter. */
    public static final String ERROR_COUNTER = "flowgres.errors";

    private final MeterRegistry registry;
    private final SlowQueryLog slowQueries;
    private final ObservationRegistry observations;
    private static final Logger log = LoggerFactory.getLogger(QueryMetrics.class);

    private final AtomicBoolean warnedUnrecorded = new AtomicBoolean();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    /**
     * Creates the recorder with a default {@link SlowQueryLog}.
     *
     * @param registry where meters are registered
     */
    public QueryMetrics(MeterRegistry registry) {
        this(registry, SlowQueryLog.defaults());
    }

    /**
     * Creates the recorder.
     *
     * @param registry where meters are registered
     * @param slowQueries where slow attempts go
     */
    public QueryMetrics(MeterRegistry registry, SlowQueryLog slowQueries) {
        this(registry, slowQueries, ObservationRegistry.NOOP);
    }

    /**
     * Creates the recorder.
     *
     * @param registry where meters are registered
     * @param slowQueries where slow attempts go
     * @param observations where each attempt is observed ({@link ObservationRegistry#NOOP}: nowhere)
     */
    public QueryMetrics(MeterRegistry registry, SlowQueryLog slowQueries, ObservationRegistry observations) {
        this.registry = registry;
        this.slowQueries = slowQueries;
        this.observations = observations;
    }

    /** The slow-query log attempts are reported to. */
    public SlowQueryLog slowQueries() {
        return slowQueries;
    }

    /** Totals of every attempt recorded so far. */
    public QueryStats stats() {
        return new QueryStats(attempts.sum(), errors.sum(), Duration.ofNanos(totalNanos.sum()));
    }

    /** The registry meters go to. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Records one finished attempt.
     *
     * @param query the query name
     * @param node the node's name
     * @param role the node's role, lower case
     * @param outcome {@code success}, {@code error} or {@code cancelled}
     * @param duration how long the attempt took
     */
    public void recordAttempt(String query, String node, String role, String outcome, Duration duration) {
        Timer timer = timers.computeIfAbsent(new TimerKey(query, node, role, outcome), key -> Timer.builder(QUERY_TIMER)
                .description("One attempt of a Flowgres operation, from acquire to the last row")
                .tag("query", key.query())
                .tag("node", key.node())
                .tag("role", key.role())
                .tag("outcome", key.outcome())
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(registry));
        try {
            timer.record(duration);
        } catch (RuntimeException e) {
            // Metrics never fail the work they measure (HdrHistogram's concurrent histograms have thrown
            // index errors while shifting their range under concurrent recording).
            if (warnedUnrecorded.compareAndSet(false, true)) {
                log.warn("An attempt's time could not be recorded in {}; the work is unaffected", QUERY_TIMER, e);
            }
        }
        attempts.increment();
        totalNanos.add(duration.toNanos());
        if ("error".equals(outcome)) {
            errors.increment();
        }
        slowQueries.record(query, node, outcome, duration);
    }

    /**
     * Starts timing and observing one attempt; its first outcome is recorded, later ones are ignored.
     *
     * @param query the query name
     * @param node the node's name
     * @param role the node's configured role
     * @param kind the operation's kind ({@code read}, {@code write}, {@code transaction})
     * @param parent the caller's observation (from the Reactor context), or {@code null}
     * @return the attempt's recorder
     */
    public Attempt startAttempt(String query, String node, NodeRole role, String kind,
            @Nullable Observation parent) {
        String roleName = role.tag();
        Observation observation = QueryObservation.start(observations, query, node, roleName, kind, parent);
        return new Attempt(query, node, roleName, System.nanoTime(), observation);
    }

    /**
     * The recorder of one attempt. Outcomes are recorded before the terminal signal travels on (not
     * in {@code doFinally}, which runs after it), so that whoever sees a result also sees its metrics,
     * slow-query entry and stopped observation.
     */
    public final class Attempt {

        private static final AtomicIntegerFieldUpdater<Attempt> RECORDED =
                AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "recorded");

        private final String query;
        private final String node;
        private final String role;
        private final long startedNanos;
        private final Observation observation;
        /** 1 once an outcome was recorded (a field, not an {@code AtomicBoolean}: one object fewer per attempt). */
        private volatile int recorded;

        private Attempt(String query, String node, String role, long startedNanos, Observation observation) {
            this.query = query;
            this.node = node;
            this.role = role;
            this.startedNanos = startedNanos;
            this.observation = observation;
        }

        /**
         * The attempt's observation, for the Reactor context of its work; {@link Observation#NOOP} when
         * nobody observes.
         */
        public Observation observation() {
            return observation;
        }

        /** The attempt completed. */
        public void success() {
            record("success", null);
        }

        /**
         * The attempt failed.
         *
         * @param error what it failed with, counted by SQLSTATE class
         */
        public void failed(Throwable error) {
            if (recorded == 0) {
                recordError(query, node, error);
            }
            record("error", error);
        }

        /** The attempt was cancelled. */
        public void cancelled() {
            record("cancelled", null);
        }

        private void record(String outcome, @Nullable Throwable error) {
            if (RECORDED.compareAndSet(this, 0, 1)) {
                try {
                    recordAttempt(query, node, role, outcome, Duration.ofNanos(System.nanoTime() - startedNanos));
                } finally {
                    QueryObservation.stop(observation, outcome, error);
                }
            }
        }
    }

    /**
     * A timer's tags. Equality is written out: the record's generated one goes through a method-handle
     * chain that showed at 0.4 % of the event loops' CPU, looked up on every attempt.
     */
    private record TimerKey(String query, String node, String role, String outcome) {

        @Override
        public boolean equals(Object other) {
            return other instanceof TimerKey key && query.equals(key.query) && node.equals(key.node)
                    && role.equals(key.role) && outcome.equals(key.outcome);
        }

        @Override
        public int hashCode() {
            return ((query.hashCode() * 31 + node.hashCode()) * 31 + role.hashCode()) * 31 + outcome.hashCode();
        }
    }

    /**
     * Counts one failed attempt by node, the class of its SQLSTATE and a short reason.
     *
     * @param query the query name
     * @param node the node the attempt ran on
     * @param error what it failed with
     */
    public void recordError(String query, String node, Throwable error) {
        String state = SqlStates.sqlState(error);
        Counter.builder(ERROR_COUNTER)
                .description("Failed attempts of Flowgres operations, by node, SQLSTATE class and reason")
                .tag("query", query)
                .tag("node", node)
                .tag("sqlstate_class", state == null || state.length() < 2 ? "none" : state.substring(0, 2))
                .tag("reason", SqlStates.reason(error))
                .register(registry)
                .increment();
    }

    /**
     * Counts what ended an operation, when it is a timeout (by phase) or an unknown outcome.
     *
     * @param error the operation's final, translated error
     */
    public void recordFinalError(FlowgresException error) {
        String queryName = error.queryName();
        if (queryName == null) {
            return;
        }
        if (error instanceof QueryTimeoutException timeout) {
            recordTimeout(queryName, timeout.phase().name().toLowerCase(Locale.ROOT));
        } else if (error instanceof OutcomeUnknownException) {
            recordOutcomeUnknown(queryName);
        }
    }

    /**
     * Counts one retry.
     *
     * @param query the query name
     * @param reason a short, fixed classification of the failure, e.g. {@code connection}
     */
    public void recordRetry(String query, String reason) {
        Counter.builder(RETRY_COUNTER)
                .description("Retries of Flowgres operations")
                .tag("query", query)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /**
     * Counts a retry refused because the cluster's retry budget was spent
     * ({@code flowgres.retry.budget.exhausted}, tagged {@code query}).
     *
     * @param query the query name
     */
    public void recordBudgetExhausted(String query) {
        Counter.builder("flowgres.retry.budget.exhausted")
                .description("Retries refused because the retry budget was spent")
                .tag("query", query)
                .register(registry)
                .increment();
    }

    /**
     * Counts an operation that ran out of time ({@code flowgres.timeouts}, tagged {@code query} and
     * {@code phase}: acquire or execute).
     *
     * @param query the query name
     * @param phase where the time ran out, lower case
     */
    public void recordTimeout(String query, String phase) {
        Counter.builder("flowgres.timeouts")
                .description("Operations that ran out of time")
                .tag("query", query)
                .tag("phase", phase)
                .register(registry)
                .increment();
    }

    /**
     * Counts a write whose outcome is unknown because the connection was lost while it was in flight
     * ({@code flowgres.outcome.unknown}, tagged {@code query}).
     *
     * @param query the query name
     */
    public void recordOutcomeUnknown(String query) {
        Counter.builder("flowgres.outcome.unknown")
                .description("Writes whose outcome is unknown after a lost connection")
                .tag("query", query)
                .register(registry)
                .increment();
    }
}
