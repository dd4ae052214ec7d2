package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.flowgres.cluster.BreakerPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The {@code flowgres.breaker.*} settings: when each node's circuit breaker opens, how long it stays
 * open and how it tries the node again. Every unset value keeps {@link BreakerPolicy#defaults()}'s.
 *
 * <pre>
 * flowgres.breaker.failure-rate-threshold=30
 * flowgres.breaker.window=20s
 * flowgres.breaker.open-duration=10s
 * </pre>
 */
public class BreakerProperties {

    /** Rate of infrastructure failures, in percent, that opens the breaker: above 0, at most 100. */
    private @Nullable Float failureRateThreshold;

    /** Rate of slow calls, in percent, that opens the breaker: above 0, at most 100. */
    private @Nullable Float slowCallRateThreshold;

    /** Duration above which a call counts as slow (positive). */
    private @Nullable Duration slowCallDuration;

    /** Length of the time-based sliding window the rates are judged over: whole seconds, at least 1s. */
    private @Nullable Duration window;

    /** Calls the window needs before any rate is judged (at least 1). */
    private @Nullable Integer minimumCalls;

    /** How long an open breaker rejects calls before letting trial calls through by itself (positive). */
    private @Nullable Duration openDuration;

    /** Trial calls let through while half-open (at least 1). */
    private @Nullable Integer halfOpenCalls;

    /** Creates the settings, all unset. */
    public BreakerProperties() {
    }

    /** Overrides the failure rate that opens the breaker, or null for the default. */
    public @Nullable Float getFailureRateThreshold() {
        return failureRateThreshold;
    }

    /**
     * Overrides the failure rate that opens the breaker.
     *
     * @param failureRateThreshold percent, in (0, 100]
     */
    public void setFailureRateThreshold(@Nullable Float failureRateThreshold) {
        this.failureRateThreshold = failureRateThreshold;
    }

    /** Overrides the slow-call rate that opens the breaker, or null for the default. */
    public @Nullable Float getSlowCallRateThreshold() {
        return slowCallRateThreshold;
    }

    /**
     * Overrides the slow-call rate that opens the breaker.
     *
     * @param slowCallRateThreshold percent, in (0, 100]
     */
    public void setSlowCallRateThreshold(@Nullable Float slowCallRateThreshold) {
        this.slowCallRateThreshold = slowCallRateThreshold;
    }

    /** Overrides the slow-call duration, or null for the default. */
    public @Nullable Duration getSlowCallDuration() {
        return slowCallDuration;
    }

    /**
     * Overrides the slow-call duration.
     *
     * @param slowCallDuration positive
     */
    public void setSlowCallDuration(@Nullable Duration slowCallDuration) {
        this.slowCallDuration = slowCallDuration;
    }

    /** Overrides the sliding window, or null for the default. */
    public @Nullable Duration getWindow() {
        return window;
    }

    /**
     * Overrides the sliding window.
     *
     * @param window whole seconds, at least 1s
     */
    public void setWindow(@Nullable Duration window) {
        this.window = window;
    }

    /** Overrides the calls needed before judging, or null for the default. */
    public @Nullable Integer getMinimumCalls() {
        return minimumCalls;
    }

    /**
     * Overrides the calls needed before judging.
     *
     * @param minimumCalls at least 1
     */
    public void setMinimumCalls(@Nullable Integer minimumCalls) {
        this.minimumCalls = minimumCalls;
    }

    /** Overrides how long the breaker stays open, or null for the default. */
    public @Nullable Duration getOpenDuration() {
        return openDuration;
    }

    /**
     * Overrides how long the breaker stays open.
     *
     * @param openDuration positive
     */
    public void setOpenDuration(@Nullable Duration openDuration) {
        this.openDuration = openDuration;
    }

    /** Overrides the trial calls while half-open, or null for the default. */
    public @Nullable Integer getHalfOpenCalls() {
        return halfOpenCalls;
    }

    /**
     * Overrides the trial calls while half-open.
     *
     * @param halfOpenCalls at least 1
     */
    public void setHalfOpenCalls(@Nullable Integer halfOpenCalls) {
        this.halfOpenCalls = halfOpenCalls;
    }

    /** Whether any value is overridden. */
    boolean isSet() {
        return failureRateThreshold != null || slowCallRateThreshold != null || slowCallDuration != null
                || window != null || minimumCalls != null || openDuration != null || halfOpenCalls != null;
    }

    /**
     * The breaker policy these settings describe: the defaults themselves when nothing is set.
     *
     * @return the policy
     * @throws IllegalArgumentException for a value out of range
     */
    BreakerPolicy toPolicy() {
        if (!isSet()) {
            return BreakerPolicy.defaults();
        }
        BreakerPolicy.Builder builder = BreakerPolicy.builder();
        if (failureRateThreshold != null) {
            builder.failureRateThreshold(failureRateThreshold);
        }
        if (slowCallRateThreshold != null) {
            builder.slowCallRateThreshold(slowCallRateThreshold);
        }
        if (slowCallDuration != null) {
            builder.slowCallDuration(slowCallDuration);
        }
        if (window != null) {
            builder.window(window);
        }
        if (minimumCalls != null) {
            builder.minimumCalls(minimumCalls);
        }
        if (openDuration != null) {
            builder.openDuration(openDuration);
        }
        if (halfOpenCalls != null) {
            builder.halfOpenCalls(halfOpenCalls);
        }
        return builder.build();
    }
}
