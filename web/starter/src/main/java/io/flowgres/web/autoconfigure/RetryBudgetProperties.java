package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.flowgres.cluster.RetryBudgetPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The {@code flowgres.retry-budget.*} settings: how many retries (and hedges) the whole cluster may
 * see, whatever single operations' schedules allow. Every unset value keeps
 * {@link RetryBudgetPolicy#defaults()}'s.
 *
 * <pre>
 * flowgres.retry-budget.ratio=0.1
 * flowgres.retry-budget.min-retries-per-second=5
 * flowgres.retry-budget.window=30s
 * </pre>
 */
public class RetryBudgetProperties {

    /** Share of the operations started over the window that may be retried, 0 (only the floor) to 10. */
    private @Nullable Double ratio;

    /** Retries per second allowed whatever the traffic, so that a quiet service can still retry (zero or more). */
    private @Nullable Integer minRetriesPerSecond;

    /** The sliding window over which operations and retries are counted: 1 to 300 whole seconds. */
    private @Nullable Duration window;

    /** Creates the settings, all unset. */
    public RetryBudgetProperties() {
    }

    /** Overrides the retried share, or null for the default. */
    public @Nullable Double getRatio() {
        return ratio;
    }

    /**
     * Overrides the retried share.
     *
     * @param ratio 0 to 10
     */
    public void setRatio(@Nullable Double ratio) {
        this.ratio = ratio;
    }

    /** Overrides the floor of retries per second, or null for the default. */
    public @Nullable Integer getMinRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /**
     * Overrides the floor of retries per second.
     *
     * @param minRetriesPerSecond zero or more
     */
    public void setMinRetriesPerSecond(@Nullable Integer minRetriesPerSecond) {
        this.minRetriesPerSecond = minRetriesPerSecond;
    }

    /** Overrides the sliding window, or null for the default. */
    public @Nullable Duration getWindow() {
        return window;
    }

    /**
     * Overrides the sliding window.
     *
     * @param window 1 to 300 whole seconds
     */
    public void setWindow(@Nullable Duration window) {
        this.window = window;
    }

    /**
     * The budget these settings describe: the defaults themselves when nothing is set.
     *
     * @return the policy
     * @throws IllegalArgumentException for a value out of range
     */
    RetryBudgetPolicy toPolicy() {
        if (ratio == null && minRetriesPerSecond == null && window == null) {
            return RetryBudgetPolicy.defaults();
        }
        RetryBudgetPolicy.Builder builder = RetryBudgetPolicy.builder();
        if (ratio != null) {
            builder.ratio(ratio);
        }
        if (minRetriesPerSecond != null) {
            builder.minRetriesPerSecond(minRetriesPerSecond);
        }
        if (window != null) {
            builder.window(window);
        }
        return builder.build();
    }
}
