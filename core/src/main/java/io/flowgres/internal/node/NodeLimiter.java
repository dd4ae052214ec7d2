package io.flowgres.internal.node;

import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

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
     * Asks to start one piece of work.
     *
     * @return a listener to tell how it ended, or empty when the node is at its limit
     */
    public Optional<Limiter.Listener> tryAcquire() {
        return limiter == null ? Optional.of(Unlimited.LISTENER) : limiter.acquire(null);
    }

    /**
     * Runs work under the limit: admitted, it tells the limit how it ended (a timeout is the overload
     * signal; other errors and cancellations say nothing of load); refused, it fails at once with
     * the refusal, or with {@code queueAtLimit} runs anyway, to wait in the pool's bounded queue.
     *
     * @param work the work, subscribed at most once per subscription
     * @param queueAtLimit whether work past the limit runs anyway (the pool's queue bounds it)
     * @param refusal the error of a refusal (called once per refusal, so it may count it)
     * @param <T> the result type
     * @return the work, or the refusal
     */
    public <T> Flux<T> admit(Flux<T> work, boolean queueAtLimit, Supplier<RuntimeException> refusal) {
        return Flux.defer(() -> {
            Optional<Limiter.Listener> admitted = tryAcquire();
            if (admitted.isEmpty()) {
                return queueAtLimit ? work : Flux.error(refusal.get());
            }
            Limiter.Listener listener = admitted.get();
            AtomicBoolean told = new AtomicBoolean();
            return work
                    .doOnComplete(() -> {
                        if (told.compareAndSet(false, true)) {
                            listener.onSuccess();
                        }
                    })
                    .doOnError(error -> {
                        if (told.compareAndSet(false, true)) {
                            if (error instanceof TimeoutException) {
                                listener.onDropped();
                            } else {
                                listener.onIgnore();
                            }
                        }
                    })
                    .doFinally(signal -> {
                        if (told.compareAndSet(false, true)) {
                            listener.onIgnore();
                        }
                    });
        });
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
