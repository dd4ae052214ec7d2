package io.flowgres.cluster;

import java.time.Duration;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;

/**
 * How an operation is retried: at most {@link #maxAttempts()} attempts in all, separated by an
 * exponential backoff ({@code baseDelay × multiplier^(n-1)}, capped at {@code maxDelay}) that is
 * randomised by the {@link Jitter}. Whether an error is retried at all is not decided here but
 * by the caller's predicate (see {@link SqlStates}); this value only shapes the schedule.
 *
 * <p>Immutable; build with {@link #builder()} or start from a preset: {@link #reads()},
 * {@link #writes()}, {@link #transactions()}, {@link #none()}.
 */
public final class RetryPolicy {

    /** Default total number of attempts, the first included. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default delay before the first retry. */
    public static final Duration DEFAULT_BASE_DELAY = Duration.ofMillis(50);
    /** Default growth factor of the delay between consecutive retries. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default upper bound of one delay. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(2);
    /** Default jitter: full jitter, see {@link Jitter#FULL} for why. */
    public static final Jitter DEFAULT_JITTER_MODE = Jitter.FULL;
    /** Default proportional jitter factor, used only with {@link Jitter#PROPORTIONAL}. */
    public static final double DEFAULT_JITTER_FACTOR = 0.5;

    private static final RetryPolicy NONE = builder().maxAttempts(1).build();
    private static final RetryPolicy READS = builder().build();
    private static final RetryPolicy WRITES = builder().baseDelay(Duration.ofMillis(100)).build();
    private static final RetryPolicy TRANSACTIONS = builder().maxAttempts(5).baseDelay(Duration.ofMillis(100))
            .maxDelay(Duration.ofSeconds(2)).build();

    private final int maxAttempts;
    private final Duration baseDelay;
    private final double multiplier;
    private final Duration maxDelay;
    private final Jitter jitterMode;
    private final double jitterFactor;

    private RetryPolicy(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.baseDelay = builder.baseDelay;
        this.multiplier = builder.multiplier;
        this.maxDelay = builder.maxDelay;
        this.jitterMode = builder.jitterMode;
        this.jitterFactor = builder.jitterFactor;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Reads: 3 attempts, 50 ms doubling up to 2 s, full jitter. Each attempt may pick another replica. */
    public static RetryPolicy reads() {
        return READS;
    }

    /**
     * Single writes: 3 attempts, 100 ms doubling up to 2 s, full jitter. A write is retried only
     * when it certainly never reached the server or the caller marked it idempotent.
     */
    public static RetryPolicy writes() {
        return WRITES;
    }

    /** Whole transactions: 5 attempts, 100 ms doubling up to 2 s, full jitter; re-run on {@code 40001}/{@code 40P01}. */
    public static RetryPolicy transactions() {
        return TRANSACTIONS;
    }

    /** No retries: one attempt. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** Total attempts, the first included; {@code 1} means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The backoff before the first retry, before jitter. */
    public Duration baseDelay() {
        return baseDelay;
    }

    /** The factor the backoff grows by with each retry. */
    public double multiplier() {
        return multiplier;
    }

    /** The largest backoff, before jitter. */
    public Duration maxDelay() {
        return maxDelay;
    }

    /** How the backoff is randomised. */
    public Jitter jitterMode() {
        return jitterMode;
    }

    /** The proportional jitter factor in {@code [0, 1]}; ignored with full jitter. */
    public double jitterFactor() {
        return jitterFactor;
    }

    /**
     * The un-jittered backoff before retry number {@code retry} (1 for the first retry).
     *
     * @param retry the retry's number, at least 1
     * @return {@code min(maxDelay, baseDelay × multiplier^(retry-1))}
     */
    public Duration backoff(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be >= 1, was " + retry);
        }
        double nanos = baseDelay.toNanos() * Math.pow(multiplier, retry - 1);
        return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) nanos);
    }

    /**
     * The full-jitter delay before retry number {@code retry}: uniform in {@code [0, backoff(retry)]}.
     *
     * @param retry the retry's number, at least 1
     * @param random the source of randomness
     * @return the delay to wait
     */
    public Duration fullJitterDelay(int retry, RandomGenerator random) {
        long bound = backoff(retry).toNanos();
        return Duration.ofNanos(bound == 0 ? 0 : random.nextLong(bound + 1));
    }

    /**
     * The delay before retry number {@code retry}: with full jitter uniform in
     * {@code [0, backoff(retry)]}, with proportional jitter {@code backoff(retry)} spread by
     * {@code ± jitterFactor} and capped at {@code maxDelay}.
     *
     * @param retry the retry's number, at least 1
     * @param random the source of randomness
     * @return the delay to wait
     */
    public Duration delay(int retry, RandomGenerator random) {
        if (jitterMode == Jitter.FULL) {
            return fullJitterDelay(retry, random);
        }
        long base = backoff(retry).toNanos();
        long spread = (long) (base * jitterFactor);
        long jittered = spread == 0 ? base : base - spread + random.nextLong(2 * spread + 1);
        return Duration.ofNanos(Math.min(maxDelay.toNanos(), Math.max(baseDelay.toNanos(), jittered)));
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", baseDelay=" + baseDelay + ", multiplier=" + multiplier
                + ", maxDelay=" + maxDelay + ", jitter=" + jitterMode
                + (jitterMode == Jitter.PROPORTIONAL ? "(" + jitterFactor + ")" : "") + "}";
    }

    /** Builds a {@link RetryPolicy}. Not thread-safe. */
    public static final class Builder {

        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration baseDelay = DEFAULT_BASE_DELAY;
        private double multiplier = DEFAULT_MULTIPLIER;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private Jitter jitterMode = DEFAULT_JITTER_MODE;
        private double jitterFactor = DEFAULT_JITTER_FACTOR;

        private Builder() {
        }

        /**
         * Sets the total number of attempts, the first included.
         *
         * @param maxAttempts 1 (no retry) to 100
         * @return this builder
         * @throws IllegalArgumentException when out of range
         */
        public Builder maxAttempts(int maxAttempts) {
            Checks.argument(maxAttempts >= 1 && maxAttempts <= 100, "maxAttempts must be between 1 and 100, was %s",
                    maxAttempts);
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the backoff before the first retry.
         *
         * @param baseDelay zero or positive
         * @return this builder
         * @throws IllegalArgumentException when negative
         */
        public Builder baseDelay(Duration baseDelay) {
            this.baseDelay = Checks.notNegative(baseDelay, "baseDelay");
            return this;
        }

        /**
         * Sets the growth factor of the backoff.
         *
         * @param multiplier at least 1
         * @return this builder
         * @throws IllegalArgumentException when below 1 or not finite
         */
        public Builder multiplier(double multiplier) {
            Checks.argument(multiplier >= 1.0 && Double.isFinite(multiplier), "multiplier must be >= 1, was %s",
                    multiplier);
            this.multiplier = multiplier;
            return this;
        }

        /**
         * Sets the largest backoff.
         *
         * @param maxDelay zero or positive, and at least {@code baseDelay} (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException when negative
         */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = Checks.notNegative(maxDelay, "maxDelay");
            return this;
        }

        /**
         * Selects full jitter.
         *
         * @return this builder
         */
        public Builder fullJitter() {
            this.jitterMode = Jitter.FULL;
            return this;
        }

        /**
         * Selects Reactor's proportional jitter with the given factor.
         *
         * @param factor in {@code [0, 1]}
         * @return this builder
         * @throws IllegalArgumentException when out of range
         */
        public Builder proportionalJitter(double factor) {
            Checks.argument(factor >= 0.0 && factor <= 1.0, "jitterFactor must be between 0 and 1, was %s", factor);
            this.jitterMode = Jitter.PROPORTIONAL;
            this.jitterFactor = factor;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         * @throws IllegalStateException when {@code maxDelay < baseDelay}
         */
        public RetryPolicy build() {
            Checks.state(maxDelay.compareTo(baseDelay) >= 0,
                    "maxDelay must be >= baseDelay, was maxDelay=%s, baseDelay=%s", maxDelay, baseDelay);
            return new RetryPolicy(this);
        }
    }

    /**
     * How a retry delay is randomised around the exponential backoff.
     */
    public enum Jitter {
        /**
         * "Full jitter": the delay is uniform in {@code [0, backoff]}. The default, because it spreads
         * the retries of many clients that failed together over the whole window instead of keeping
         * them in step, which is what turns a blip into a retry storm.
         */
        FULL,
        /**
         * Reactor's proportional jitter: the delay is {@code backoff ± factor × backoff}, but never below
         * the base delay nor above the maximum. Keeps a floor between attempts at the cost of less spread.
         */
        PROPORTIONAL
    }
}
