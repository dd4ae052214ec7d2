package io.flowgres.metrics;

/**
 * A snapshot of one node's pool: connections in use, idle, callers waiting, and the maximum size,
 * with the utilisation and {@link Health} derived from them. Reading it never blocks.
 *
 * @param acquired connections handed out now
 * @param idle connections open and free
 * @param pending callers waiting for a connection
 * @param max the most connections the pool may hold
 */
public record PoolUsage(int acquired, int idle, int pending, int max) {

    /** Utilisation at or over which a pool is {@link Health#DEGRADED}. */
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
     * Classifies the pool: {@link Health#CRITICAL} when it is full and callers wait, or when
     * at least {@code max} callers wait; {@link Health#DEGRADED} when utilisation reaches
     * {@link #DEGRADED_UTILISATION} or anyone waits; otherwise {@link Health#HEALTHY}.
     *
     * @return the classification
     */
    public Health health() {
        if ((acquired >= max && pending > 0) || pending >= max) {
            return Health.CRITICAL;
        }
        if (utilisation() >= DEGRADED_UTILISATION || pending > 0) {
            return Health.DEGRADED;
        }
        return Health.HEALTHY;
    }

    /**
     * How close a node's pool is to running out, judged from utilisation and waiting callers. Exposed
     * as the {@code flowgres.pool.health} gauge by its {@link #level()}.
     */
    public enum Health {
        /** Room to spare: utilisation under {@link PoolUsage#DEGRADED_UTILISATION} and nobody waits. */
        HEALTHY(0),
        /** Busy: utilisation at or over {@link PoolUsage#DEGRADED_UTILISATION}, or some caller waits. */
        DEGRADED(1),
        /**
         * Exhausted: every connection is in use and callers queue, or the waiting queue is at least
         * as long as the pool is large; acquires are about to time out.
         */
        CRITICAL(2);

        private final int level;

        Health(int level) {
            this.level = level;
        }

        /** The gauge value: 0 healthy, 1 degraded, 2 critical. */
        public int level() {
            return level;
        }
    }
}
