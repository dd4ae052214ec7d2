package io.flowgres.metrics;

/**
 * A snapshot of one node's pool: connections in use, idle, callers waiting, and the maximum size,
 * with the utilisation and {@link PoolHealth} derived from them. Reading it never blocks.
 *
 * @param acquired connections handed out now
 * @param idle connections open and free
 * @param pending callers waiting for a connection
 * @param max the most connections the pool may hold
 */
public record PoolUsage(int acquired, int idle, int pending, int max) {

    /** Utilisation at or over which a pool is {@link PoolHealth#DEGRADED}. */
    public static final double DEGRADED_UTILISATION = 0.8;

    /**
     * Creates a snapshot.
     *
     * @param acquired connections in use, zero or more
     * @param idle idle connections, zero or more
     * @param pending waiting callers, zero or more
     * @param max the pool's maximum size, at least 1
     * @throws IllegalArgumentException for a negative count or a maximum under 1
     */
    public PoolUsage {
        if (acquired < 0 || idle < 0 || pending < 0) {
            throw new IllegalArgumentException("pool counts must be >= 0, was acquired=" + acquired + ", idle=" + idle
                    + ", pending=" + pending);
        }
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
    }

    /** The share of the maximum in use, 0 to 1. */
    public double utilisation() {
        return Math.min(1.0, (double) acquired / max);
    }

    /**
     * Classifies the pool: {@link PoolHealth#CRITICAL} when it is full and callers wait, or when
     * at least {@code max} callers wait; {@link PoolHealth#DEGRADED} when utilisation reaches
     * {@link #DEGRADED_UTILISATION} or anyone waits; otherwise {@link PoolHealth#HEALTHY}.
     *
     * @return the classification
     */
    public PoolHealth health() {
        if ((acquired >= max && pending > 0) || pending >= max) {
            return PoolHealth.CRITICAL;
        }
        if (utilisation() >= DEGRADED_UTILISATION || pending > 0) {
            return PoolHealth.DEGRADED;
        }
        return PoolHealth.HEALTHY;
    }
}
