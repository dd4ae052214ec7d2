package io.flowgres.metrics;

/**
 * How close a node's pool is to running out, judged from utilisation and waiting callers. Exposed
 * as the {@code flowgres.pool.health} gauge by its {@link #level()}.
 */
public enum PoolHealth {
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

    PoolHealth(int level) {
        this.level = level;
    }

    /** The gauge value: 0 healthy, 1 degraded, 2 critical. */
    public int level() {
        return level;
    }
}
