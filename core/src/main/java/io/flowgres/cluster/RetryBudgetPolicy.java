package io.flowgres.cluster;

import java.time.Duration;

import io.flowgres.internal.Checks;

/**
 * How many retries a cluster may see: at most {@link #ratio()} of the operations started over the
 * last {@link #window()}, plus a floor of {@link #minRetriesPerSecond()} so that a quiet service can
 * still retry. A sick cluster thus sees at most about {@code (1 + ratio)} times its normal load, never
 * {@code maxAttempts} times.
 *
 * <p>Immutable; build with {@link #builder()} or use {@link #defaults()} (20 %, 10 per second, 10 s).
 */
public final class RetryBudgetPolicy {

    /** Default share of recent operations that may be retried. */
    public static final double DEFAULT_RATIO = 0.2;
    /** Default retries per second allowed whatever the traffic. */
    public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;
    /** Default sliding window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    private static final RetryBudgetPolicy DEFAULTS = builder().build();

    private final double ratio;
    private final int minRetriesPerSecond;
    private final Duration window;

    private RetryBudgetPolicy(Builder builder) {
        this.ratio = builder.ratio;
        this.minRetriesPerSecond = builder.minRetriesPerSecond;
        this.window = builder.window;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** 20 % of the operations of the last 10 s, plus 10 retries per second. */
    public static RetryBudgetPolicy defaults() {
        return DEFAULTS;
    }

    /** Share of recent operations that may be retried. */
    public double ratio() {
        return ratio;
    }

    /** Retries per second allowed whatever the traffic. */
    public int minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /** The sliding window over which operations and retries are counted. */
    public Duration window() {
        return window;
    }

    @Override
    public String toString() {
        return "RetryBudgetPolicy{ratio=" + ratio + ", minRetriesPerSecond=" + minRetriesPerSecond + ", window="
                + window + "}";
    }

    /** Builds a {@link RetryBudgetPolicy}. Not thread-safe. */
    public static final class Builder {

        private double ratio = DEFAULT_RATIO;
        private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
        private Duration window = DEFAULT_WINDOW;

        private Builder() {
        }

        /**
         * Sets the share of recent operations that may be retried.
         *
         * @param ratio 0 (only the floor) to 10
         * @return this builder
         */
        public Builder ratio(double ratio) {
            Checks.argument(ratio >= 0 && ratio <= 10, "ratio must be between 0 and 10, was %s", ratio);
            this.ratio = ratio;
            return this;
        }

        /**
         * Sets the floor of retries per second.
         *
         * @param retries zero or more
         * @return this builder
         */
        public Builder minRetriesPerSecond(int retries) {
            Checks.argument(retries >= 0, "minRetriesPerSecond must be >= 0, was %s", retries);
            this.minRetriesPerSecond = retries;
            return this;
        }

        /**
         * Sets the sliding window.
         *
         * @param window 1 to 300 whole seconds
         * @return this builder
         */
        public Builder window(Duration window) {
            Checks.positive(window, "window");
            Checks.argument(window.toSeconds() >= 1 && window.toSeconds() <= 300
                    && window.toNanos() % 1_000_000_000L == 0, "window must be 1 to 300 whole seconds, was %s", window);
            this.window = window;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         */
        public RetryBudgetPolicy build() {
            return new RetryBudgetPolicy(this);
        }
    }
}
