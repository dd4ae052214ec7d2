package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The recent latencies of replica reads, for the adaptive hedge delay: the last {@value #SIZE}
 * samples in a lock-free ring, and their 95th percentile, computed at most every
 * {@value #REFRESH_MILLIS} ms (a sort of {@value #SIZE} numbers) and read from a volatile otherwise.
 */
final class LatencyWindow {

    static final int SIZE = 512;
    static final int MIN_SAMPLES = 32;
    static final long REFRESH_MILLIS = 50;

    private final LongSupplier ticker;
    private final AtomicLongArray samples = new AtomicLongArray(SIZE);
    private final AtomicInteger recorded = new AtomicInteger();
    private volatile long p95 = -1;
    private volatile boolean computed;
    private volatile long computedAt;

    LatencyWindow(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** Records one answered read's latency. */
    void record(long nanos) {
        int index = recorded.getAndIncrement();
        samples.set(Math.floorMod(index, SIZE), nanos);
    }

    /**
     * The hedge delay: the recent 95th percentile within the bounds, or the ceiling while too few
     * reads have been seen to know.
     *
     * @param floor the shortest delay
     * @param ceiling the longest delay
     * @return the delay
     */
    Duration hedgeDelay(Duration floor, Duration ceiling) {
        long now = ticker.getAsLong();
        if (!computed || now - computedAt > REFRESH_MILLIS * 1_000_000) {
            computedAt = now;
            computed = true;
            p95 = percentile95();
        }
        long value = p95;
        if (value < 0) {
            return ceiling;
        }
        return Duration.ofNanos(Math.max(floor.toNanos(), Math.min(ceiling.toNanos(), value)));
    }

    private long percentile95() {
        int count = Math.min(recorded.get(), SIZE);
        if (count < MIN_SAMPLES) {
            return -1;
        }
        long[] copy = new long[count];
        for (int i = 0; i < count; i++) {
            copy[i] = samples.get(i);
        }
        Arrays.sort(copy);
        return copy[(int) Math.ceil(0.95 * count) - 1];
    }
}
