package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.flowgres.cluster.RetryPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The {@code flowgres.retry.*} settings: the retry schedule of reads, single writes and whole
 * transactions, and whether a lock that could not be taken is retried. Each schedule starts from
 * the core's preset ({@link RetryPolicy#reads()}, {@link RetryPolicy#writes()},
 * {@link RetryPolicy#transactions()}) and changes only what is set.
 *
 * <pre>
 * flowgres.retry.read.max-attempts=4
 * flowgres.retry.write.base-delay=200ms
 * flowgres.retry.transaction.jitter=proportional
 * flowgres.retry.transaction.jitter-factor=0.25
 * flowgres.retry.lock-not-available=true
 * </pre>
 */
public class RetryProperties {

    private final Schedule read = new Schedule();
    private final Schedule write = new Schedule();
    private final Schedule transaction = new Schedule();

    /**
     * Whether a lock that could not be taken (SQLSTATE 55P03, from NOWAIT or lock_timeout) is retried;
     * a NOWAIT caller usually wants to know at once.
     */
    private boolean lockNotAvailable;

    /** Creates the settings, all unset. */
    public RetryProperties() {
    }

    /** The retry schedule of reads (each attempt may pick another replica). */
    public Schedule getRead() {
        return read;
    }

    /** The retry schedule of single writes, retried only when they certainly never ran or are idempotent. */
    public Schedule getWrite() {
        return write;
    }

    /** The retry schedule of whole transactions, re-run on serialization failures and deadlocks. */
    public Schedule getTransaction() {
        return transaction;
    }

    /** Whether SQLSTATE 55P03 is retried. */
    public boolean isLockNotAvailable() {
        return lockNotAvailable;
    }

    /**
     * Sets whether SQLSTATE 55P03 is retried.
     *
     * @param lockNotAvailable whether to retry it
     */
    public void setLockNotAvailable(boolean lockNotAvailable) {
        this.lockNotAvailable = lockNotAvailable;
    }

    /**
     * One retry schedule; every unset value keeps the preset's. The jitter is chosen by {@code jitter}
     * ({@code full} or {@code proportional}); {@code jitter-factor} is the spread of proportional jitter
     * and is refused with full jitter, where it would mean nothing.
     */
    public static class Schedule {

        /** Total attempts, the first included: 1 means no retry, at most 100. */
        private @Nullable Integer maxAttempts;

        /** The backoff before the first retry, before jitter (zero or more). */
        private @Nullable Duration baseDelay;

        /** The factor the backoff grows by with each retry (at least 1). */
        private @Nullable Double multiplier;

        /** The largest backoff, before jitter (at least the base delay). */
        private @Nullable Duration maxDelay;

        /**
         * How the backoff is randomised: full (uniform between zero and the backoff, which spreads the
         * retries of many clients that failed together) or proportional (the backoff plus or minus
         * jitter-factor of it, never below the base delay nor above the maximum).
         */
        private RetryPolicy.@Nullable Jitter jitter;

        /** The spread of proportional jitter, between 0 and 1; needs jitter=proportional. */
        private @Nullable Double jitterFactor;

        /** Creates a schedule with nothing overridden. */
        public Schedule() {
        }

        /** Overrides the total attempts, or null for the preset's. */
        public @Nullable Integer getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Overrides the total attempts.
         *
         * @param maxAttempts 1 to 100
         */
        public void setMaxAttempts(@Nullable Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /** Overrides the first backoff, or null for the preset's. */
        public @Nullable Duration getBaseDelay() {
            return baseDelay;
        }

        /**
         * Overrides the first backoff.
         *
         * @param baseDelay zero or more
         */
        public void setBaseDelay(@Nullable Duration baseDelay) {
            this.baseDelay = baseDelay;
        }

        /** Overrides the backoff's growth factor, or null for the preset's. */
        public @Nullable Double getMultiplier() {
            return multiplier;
        }

        /**
         * Overrides the backoff's growth factor.
         *
         * @param multiplier at least 1
         */
        public void setMultiplier(@Nullable Double multiplier) {
            this.multiplier = multiplier;
        }

        /** Overrides the largest backoff, or null for the preset's. */
        public @Nullable Duration getMaxDelay() {
            return maxDelay;
        }

        /**
         * Overrides the largest backoff.
         *
         * @param maxDelay at least the base delay
         */
        public void setMaxDelay(@Nullable Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        /** Overrides the jitter mode, or null for the preset's. */
        public RetryPolicy.@Nullable Jitter getJitter() {
            return jitter;
        }

        /**
         * Overrides the jitter mode.
         *
         * @param jitter full or proportional
         */
        public void setJitter(RetryPolicy.@Nullable Jitter jitter) {
            this.jitter = jitter;
        }

        /** Overrides the proportional jitter's spread, or null for the preset's. */
        public @Nullable Double getJitterFactor() {
            return jitterFactor;
        }

        /**
         * Overrides the proportional jitter's spread.
         *
         * @param jitterFactor 0 to 1, with proportional jitter only
         */
        public void setJitterFactor(@Nullable Double jitterFactor) {
            this.jitterFactor = jitterFactor;
        }

        /** Whether any value is overridden. */
        boolean isSet() {
            return maxAttempts != null || baseDelay != null || multiplier != null || maxDelay != null
                    || jitter != null || jitterFactor != null;
        }

        /**
         * The preset with this schedule's overrides; the preset itself when nothing is set.
         *
         * @param preset the core's policy for this kind of operation
         * @return the policy
         * @throws IllegalArgumentException for a value out of range
         * @throws IllegalStateException when the values contradict each other
         */
        RetryPolicy toPolicy(RetryPolicy preset) {
            if (!isSet()) {
                return preset;
            }
            RetryPolicy.Jitter mode = jitter != null ? jitter : preset.jitterMode();
            if (mode == RetryPolicy.Jitter.FULL && jitterFactor != null) {
                throw new IllegalStateException(
                        "jitter-factor needs jitter=proportional, was jitter=full, jitter-factor=" + jitterFactor);
            }
            RetryPolicy.Builder builder = RetryPolicy.builder()
                    .maxAttempts(maxAttempts != null ? maxAttempts : preset.maxAttempts())
                    .baseDelay(baseDelay != null ? baseDelay : preset.baseDelay())
                    .multiplier(multiplier != null ? multiplier : preset.multiplier())
                    .maxDelay(maxDelay != null ? maxDelay : preset.maxDelay());
            if (mode == RetryPolicy.Jitter.FULL) {
                builder.fullJitter();
            } else {
                builder.proportionalJitter(jitterFactor != null ? jitterFactor : preset.jitterFactor());
            }
            return builder.build();
        }
    }
}
