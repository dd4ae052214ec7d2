package io.flowgres.internal.exec;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

import io.flowgres.cluster.RetryBudgetPolicy;

/**
 * The live retry budget of one cluster: counts operations and retries in one-second buckets over a
 * sliding window and grants a retry only while retries stay within
 * {@code ratio × operations + minRetriesPerSecond × windowSeconds}. When it refuses, the operation
 * fails fast with its original error instead of adding load to a cluster that is already failing.
 *
 * <p>Lock-free: each bucket is three slots of an {@link AtomicLongArray} (its second, operations,
 * retries); a bucket is claimed for a new second by compare-and-set. Under a race at a second's
 * boundary a count may land in the bucket just being reset: the budget is a rate limit, and an
 * occasional lost count does not matter. The clock is injected (nanoseconds) so the arithmetic is
 * tested without waiting.
 */
final class RetryBudget {

    private static final long SECOND = 1_000_000_000L;
    private static final int SLOT_SECOND = 0;
    private static final int SLOT_OPERATIONS = 1;
    private static final int SLOT_RETRIES = 2;

    private final RetryBudgetPolicy policy;
    private final LongSupplier nanoClock;
    private final int size;
    private final AtomicLongArray buckets;

    RetryBudget(RetryBudgetPolicy policy, LongSupplier nanoClock) {
        this.policy = policy;
        this.nanoClock = nanoClock;
        this.size = (int) policy.window().toSeconds();
        this.buckets = new AtomicLongArray(size * 3);
        for (int i = 0; i < size; i++) {
            buckets.set(i * 3 + SLOT_SECOND, Long.MIN_VALUE);
        }
    }

    /** Counts one operation started; every operation earns a share of a retry. */
    void recordOperation() {
        buckets.incrementAndGet(bucket(now()) + SLOT_OPERATIONS);
    }

    /**
     * Asks for one retry.
     *
     * @return {@code true} when granted (and counted), {@code false} when the budget is spent
     */
    boolean tryRetry() {
        long second = now();
        long operations = 0;
        long retries = 0;
        for (int i = 0; i < size; i++) {
            if (second - buckets.get(i * 3 + SLOT_SECOND) < size) {
                operations += buckets.get(i * 3 + SLOT_OPERATIONS);
                retries += buckets.get(i * 3 + SLOT_RETRIES);
            }
        }
        double allowed = policy.ratio() * operations + (double) policy.minRetriesPerSecond() * size;
        if (retries + 1 > allowed) {
            return false;
        }
        buckets.incrementAndGet(bucket(second) + SLOT_RETRIES);
        return true;
    }

    private long now() {
        return Math.floorDiv(nanoClock.getAsLong(), SECOND);
    }

    /** The base index of a second's bucket, claimed and emptied first when it held an older second. */
    private int bucket(long second) {
        int base = Math.floorMod(second, size) * 3;
        long held = buckets.get(base + SLOT_SECOND);
        if (held != second && held < second && buckets.compareAndSet(base + SLOT_SECOND, held, second)) {
            buckets.set(base + SLOT_OPERATIONS, 0);
            buckets.set(base + SLOT_RETRIES, 0);
        }
        return base;
    }
}
