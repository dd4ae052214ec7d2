package io.flowgres.cluster;

import java.time.Duration;
import java.util.function.Predicate;

import io.flowgres.internal.Checks;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

/**
 * How each node's circuit breaker judges the node: over a time-based window of
 * {@link #window()} it opens when at least {@link #minimumCalls()} calls were seen and the rate of
 * infrastructure failures (see {@link SqlStates#isInfrastructureFailure}) or of slow calls passes
 * its threshold; it stays open for {@link #openDuration()}, then lets {@link #halfOpenCalls()}
 * trial calls through by itself.
 *
 * <p>The defaults are tuned for a database, not for Resilience4j's generic defaults (a 100-call
 * window and a minute open), which react far too slowly to a node that went away.
 */
public final class BreakerPolicy {

    /** Default failure rate, in percent, that opens the breaker. */
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50f;
    /** Default slow-call rate, in percent, that opens the breaker. */
    public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 80f;
    /** Default duration above which a call counts as slow. */
    public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(2);
    /** Default length of the time-based sliding window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** Default number of calls the window needs before any rate is judged. */
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    /** Default time an open breaker waits before letting trial calls through. */
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(5);
    /** Default number of trial calls in the half-open state. */
    public static final int DEFAULT_HALF_OPEN_CALLS = 5;

    private static final BreakerPolicy DEFAULTS = builder().build();

    private final float failureRateThreshold;
    private final float slowCallRateThreshold;
    private final Duration slowCallDuration;
    private final Duration window;
    private final int minimumCalls;
    private final Duration openDuration;
    private final int halfOpenCalls;

    private BreakerPolicy(Builder builder) {
        this.failureRateThreshold = builder.failureRateThreshold;
        this.slowCallRateThreshold = builder.slowCallRateThreshold;
        this.slowCallDuration = builder.slowCallDuration;
        this.window = builder.window;
        this.minimumCalls = builder.minimumCalls;
        this.openDuration = builder.openDuration;
        this.halfOpenCalls = builder.halfOpenCalls;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default policy: 50 % failures or 80 % calls over 2 s, in a 10 s window of at least 20 calls, open 5 s. */
    public static BreakerPolicy defaults() {
        return DEFAULTS;
    }

    /** Failure rate in percent that opens the breaker. */
    public float failureRateThreshold() {
        return failureRateThreshold;
    }

    /** Slow-call rate in percent that opens the breaker. */
    public float slowCallRateThreshold() {
        return slowCallRateThreshold;
    }

    /** Duration above which a call counts as slow. */
    public Duration slowCallDuration() {
        return slowCallDuration;
    }

    /** Length of the time-based sliding window (whole seconds). */
    public Duration window() {
        return window;
    }

    /** Calls the window needs before rates are judged. */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** How long an open breaker rejects calls before half-opening by itself. */
    public Duration openDuration() {
        return openDuration;
    }

    /** Trial calls allowed while half-open. */
    public int halfOpenCalls() {
        return halfOpenCalls;
    }

    /**
     * The Resilience4j configuration for one node's breaker.
     *
     * @param recordAsFailure which errors count against the node; others count as successes, so a
     *        burst of constraint violations cannot open it
     * @return the configuration
     */
    public CircuitBreakerConfig toCircuitBreakerConfig(Predicate<Throwable> recordAsFailure) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                // Lock-free: breakers record on event-loop threads, where a contended lock would park them.
                .slidingWindowSynchronizationStrategy(
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .slidingWindowSize((int) window.toSeconds())
                .minimumNumberOfCalls(minimumCalls)
                .failureRateThreshold(failureRateThreshold)
                .slowCallRateThreshold(slowCallRateThreshold)
                .slowCallDurationThreshold(slowCallDuration)
                .waitDurationInOpenState(openDuration)
                .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordException(recordAsFailure::test)
                .build();
    }

    @Override
    public String toString() {
        return "BreakerPolicy{failureRate=" + failureRateThreshold + "%, slowCallRate=" + slowCallRateThreshold
                + "% over " + slowCallDuration + ", window=" + window + ", minimumCalls=" + minimumCalls
                + ", open=" + openDuration + ", halfOpenCalls=" + halfOpenCalls + "}";
    }

    /** Builds a {@link BreakerPolicy}. Not thread-safe. */
    public static final class Builder {

        private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private float slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE_THRESHOLD;
        private Duration slowCallDuration = DEFAULT_SLOW_CALL_DURATION;
        private Duration window = DEFAULT_WINDOW;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration openDuration = DEFAULT_OPEN_DURATION;
        private int halfOpenCalls = DEFAULT_HALF_OPEN_CALLS;

        private Builder() {
        }

        /**
         * Sets the failure rate that opens the breaker.
         *
         * @param percent in {@code (0, 100]}
         * @return this builder
         */
        public Builder failureRateThreshold(float percent) {
            Checks.argument(percent > 0 && percent <= 100, "failureRateThreshold must be in (0, 100], was %s", percent);
            this.failureRateThreshold = percent;
            return this;
        }

        /**
         * Sets the slow-call rate that opens the breaker.
         *
         * @param percent in {@code (0, 100]}
         * @return this builder
         */
        public Builder slowCallRateThreshold(float percent) {
            Checks.argument(percent > 0 && percent <= 100, "slowCallRateThreshold must be in (0, 100], was %s",
                    percent);
            this.slowCallRateThreshold = percent;
            return this;
        }

        /**
         * Sets the duration above which a call counts as slow.
         *
         * @param duration positive
         * @return this builder
         */
        public Builder slowCallDuration(Duration duration) {
            this.slowCallDuration = Checks.positive(duration, "slowCallDuration");
            return this;
        }

        /**
         * Sets the time-based window.
         *
         * @param window whole seconds, at least 1 s
         * @return this builder
         */
        public Builder window(Duration window) {
            Checks.positive(window, "window");
            Checks.argument(window.toSeconds() >= 1 && window.toNanos() % 1_000_000_000L == 0,
                    "window must be a whole number of seconds >= 1s, was %s", window);
            this.window = window;
            return this;
        }

        /**
         * Sets how many calls the window needs before judging.
         *
         * @param calls at least 1
         * @return this builder
         */
        public Builder minimumCalls(int calls) {
            Checks.argument(calls >= 1, "minimumCalls must be >= 1, was %s", calls);
            this.minimumCalls = calls;
            return this;
        }

        /**
         * Sets how long the breaker stays open.
         *
         * @param duration positive
         * @return this builder
         */
        public Builder openDuration(Duration duration) {
            this.openDuration = Checks.positive(duration, "openDuration");
            return this;
        }

        /**
         * Sets the number of trial calls while half-open.
         *
         * @param calls at least 1
         * @return this builder
         */
        public Builder halfOpenCalls(int calls) {
            Checks.argument(calls >= 1, "halfOpenCalls must be >= 1, was %s", calls);
            this.halfOpenCalls = calls;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         */
        public BreakerPolicy build() {
            return new BreakerPolicy(this);
        }
    }
}
