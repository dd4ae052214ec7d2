package io.flowgres.internal.node;

import reactor.pool.PoolMetricsRecorder;

/**
 * Hears what one node's pool does, for metrics: reactor-pool's own events (a connection created,
 * destroyed, a creation failed) plus every acquire as a caller sees it, including its wait.
 *
 * <p>Every method defaults to doing nothing, so an observer implements only what it records. Calls
 * arrive on pool and event-loop threads: implementations must be cheap and never block.
 */
public interface PoolObserver extends PoolMetricsRecorder {

    /** An observer that records nothing. */
    PoolObserver NONE = new PoolObserver() {
    };

    /**
     * One acquire finished.
     *
     * @param nanos how long the caller waited, in nanoseconds
     * @param success whether a connection was obtained
     */
    default void recordAcquire(long nanos, boolean success) {
    }

    /** Work was refused at the node's concurrency limit, or by its pool's full queue of waiting acquires. */
    default void recordRejected() {
    }

    @Override
    default void recordAllocationSuccessAndLatency(long latencyMs) {
    }

    @Override
    default void recordAllocationFailureAndLatency(long latencyMs) {
    }

    @Override
    default void recordResetLatency(long latencyMs) {
    }

    @Override
    default void recordDestroyLatency(long latencyMs) {
    }

    @Override
    default void recordRecycled() {
    }

    @Override
    default void recordLifetimeDuration(long millisecondsSinceAllocation) {
    }

    @Override
    default void recordIdleTime(long millisecondsIdle) {
    }

    @Override
    default void recordSlowPath() {
    }

    @Override
    default void recordFastPath() {
    }
}
