package io.flowgres.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Records what the query pipeline does: one timer sample per attempt ({@code flowgres.query},
 * tagged {@code query}, {@code node}, {@code role}, {@code outcome}) and one count per retry
 * ({@code flowgres.retries}, tagged {@code query} and {@code reason}). Tags are low-cardinality:
 * query names are a fixed vocabulary, never SQL text.
 */
public final class QueryMetrics {

    /** Name of the per-attempt timer. */
    public static final String QUERY_TIMER = "flowgres.query";
    /** Name of the retry counter. */
    public static final String RETRY_COUNTER = "flowgres.retries";

    private final MeterRegistry registry;

    /**
     * Creates the recorder.
     *
     * @param registry where meters are registered
     */
    public QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
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
        Timer.builder(QUERY_TIMER)
                .description("One attempt of a Flowgres operation, from acquire to the last row")
                .tag("query", query)
                .tag("node", node)
                .tag("role", role)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
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
}
