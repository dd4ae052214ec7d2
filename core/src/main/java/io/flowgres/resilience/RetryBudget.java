package io.flowgres.resilience;

import java.util.function.LongSupplier;

/**
 * The live retry budget of one cluster: counts operations and retries in one-second buckets over a
 * sliding window and grants a retry only while retries stay within
 * {@code ratio × operations + minRetriesPerSecond × windowSeconds}. When it refuses, the operation
 * fails fast with its original error instead of adding load to a cluster that is already failing.
 *
 * <p>Thread-safe; each call is a short critical section. The clock is injected (nanoseconds) so the
 * arithmetic is tested without waiting.
 */
public final class RetryBudget {

    private static final long SECOND = 1_000_000_000L;

    private final RetryBudgetPolicy policy;
    private final LongSupplier nanoClock;
    private final long[] bucketSecond;
    private final long[] operations;
    private final long[] retries;

    /**
     * Creates an empty budget.
     *
     * @param policy the limits
     * @param nanoClock the clock, in nanoseconds
     */
    public RetryBudget(RetryBudgetPolicy policy, LongSupplier nanoClock) {
        this.policy = policy;
        this.nanoClock = nanoClock;
        int size = (int) policy.window().toSeconds();
        this.bucketSecond = new long[size];
        this.operations = new long[size];
        this.retries = new long[size];
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    }

    /** Counts one operation started; every operation earns a share of a retry. */
    public synchronized void recordOperation() {
        operations[bucket(now())]++;
    }

    /**
     * Asks for one retry.
     *
     * @return {@code true} when granted (and counted), {@code false} when the budget is spent
     */
    public synchronized boolean tryRetry() {
        long second = now();
        long recentOperations = 0;
        long recentRetries = 0;
        for (int i = 0; i < bucketSecond.length; i++) {
            if (second - bucketSecond[i] < bucketSecond.length) {
                recentOperations += operations[i];
                recentRetries += retries[i];
            }
        }
        double allowed = policy.ratio() * recentOperations + (double) policy.minRetriesPerSecond() * bucketSecond.length;
        if (recentRetries + 1 > allowed) {
            return false;
        }
        retries[bucket(second)]++;
        return true;
    }

    private long now() {
        return Math.floorDiv(nanoClock.getAsLong(), SECOND);
    }

    /** The bucket of a second, emptied first when it last held an older second. */
    private int bucket(long second) {
        int index = Math.floorMod(second, bucketSecond.length);
        if (bucketSecond[index] != second) {
            bucketSecond[index] = second;
            operations[index] = 0;
            retries[index] = 0;
        }
        return index;
    }
}
