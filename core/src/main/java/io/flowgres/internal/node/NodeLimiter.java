package io.flowgres.internal.node;

import java.util.Optional;
import java.util.function.LongSupplier;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The adaptive concurrency limit in front of one node's pool (Netflix concurrency-limits,
 * Gradient2): it lets through as much concurrent work as the node serves without its latency
 * growing, never less than the pool's size (so a healthy node is never refused below what its pool
 * holds) and never more than the pool plus its queue of waiting acquires, bounded by the policy's
 * maximum. Work beyond the limit is refused at once, before it waits for a connection: a fast,
 * retryable "unavailable" instead of a two-second acquire timeout.
 */
public final class NodeLimiter {

    private final @Nullable SimpleLimiter<Void> limiter;

    /**
     * Creates the limiter of one node.
     *
     * @param node the node's name
     * @param pool its pool's sizes
     * @param policy whether limits are on, and their ceiling
     * @param ticker the pipeline's clock, in nanoseconds (round trips feed the limit)
     */
    public NodeLimiter(String node, PoolPolicy pool, AvailabilityPolicy policy, LongSupplier ticker) {
        if (!policy.concurrencyLimits()) {
            this.limiter = null;
            return;
        }
        int floor = Math.min(pool.maxSize(), policy.maxConcurrency());
        int ceiling = Math.max(floor, Math.min(policy.maxConcurrency(), pool.maxSize() + pool.maxPendingAcquires()));
        this.limiter = SimpleLimiter.newBuilder()
                .named(node)
                .nanoClock(ticker)
                .limit(Gradient2Limit.newBuilder()
                        .initialLimit(Math.min(ceiling, 2 * floor))
                        .minLimit(floor)
                        .maxConcurrency(ceiling)
                        .build())
                .build();
    }

    /**
     * Asks to start one piece of work. Its listener must hear how the work ended: a success, a
     * timeout as the overload signal ({@code onDropped}), anything else as {@code onIgnore}.
     *
     * @return a listener to tell how it ended, or empty when the node is at its limit
     */
    public Optional<Limiter.Listener> tryAcquire() {
        return limiter == null ? Optional.of(Unlimited.LISTENER) : limiter.acquire(null);
    }

    /** The current limit, or -1 when limits are off. */
    public int limit() {
        return limiter == null ? -1 : limiter.getLimit();
    }

    /** Work admitted and not yet ended. */
    public int inFlight() {
        return limiter == null ? 0 : limiter.getInflight();
    }

    /** The listener of work admitted without a limit. */
    private enum Unlimited implements Limiter.Listener {
        LISTENER;

        @Override
        public void onSuccess() {
        }

        @Override
        public void onIgnore() {
        }

        @Override
        public void onDropped() {
        }
    }
}
