package io.flowgres.internal.r2dbc;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import com.netflix.concurrency.limits.Limiter;
import io.flowgres.internal.SqlStates;
import io.flowgres.internal.node.Node;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The bookkeeping of one connection leased from a node: it counts as the node's load from the
 * acquire until it is returned, its concurrency-limit slot is given back exactly once, every
 * answer of the server ends the node's stall, and it remembers whether a statement on it was
 * cancelled or is still running, which decides how the connection goes back to the pool.
 */
final class NodeLease {

    // Field updaters rather than atomics: one lease per connection handed out, so its counts are fields.
    private static final AtomicIntegerFieldUpdater<NodeLease> JUDGED =
            AtomicIntegerFieldUpdater.newUpdater(NodeLease.class, "judged");
    private static final AtomicIntegerFieldUpdater<NodeLease> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(NodeLease.class, "ended");
    private static final AtomicIntegerFieldUpdater<NodeLease> RUNNING =
            AtomicIntegerFieldUpdater.newUpdater(NodeLease.class, "running");

    private final Node node;
    private final Limiter.Listener listener;
    /** 1 once the acquire's outcome went to the node's breaker. */
    private volatile int judged;
    /** 1 once the lease ended (its load and limit slot given back). */
    private volatile int ended;
    /** The exchanges subscribed and not yet ended. */
    private volatile int running;
    private volatile boolean interrupted;

    NodeLease(Node node, Limiter.Listener listener) {
        this.node = node;
        this.listener = listener;
        node.load().started();
    }

    Node node() {
        return node;
    }

    /**
     * Claims the right to tell the node's circuit breaker how the acquire went: {@code true} once,
     * for whichever of success, failure and cancellation comes first.
     *
     * @return whether the caller is the one to tell
     */
    boolean judge() {
        return JUDGED.compareAndSet(this, 0, 1);
    }

    /** The server answered (a connection, a result, a row, an error): the node is not stalled. */
    void answered() {
        node.load().answered();
    }

    /**
     * Watches one exchange with the server on the leased connection.
     *
     * @param exchange what the driver returned: a statement's results, a {@code BEGIN}, a validation
     * @param <T> its element type
     * @return the same signals, counted
     */
    <T> Flux<T> watch(Publisher<T> exchange) {
        // The exchange's end is counted before its terminal signal travels on (doOnEach runs first, where
        // doFinally would run after): the signal may close the connection at once (DatabaseClient's
        // usingWhen does), and a release that still saw the exchange running would settle the connection
        // with an extra round trip as if its statement had been cancelled. Its start is counted by doFirst,
        // which adds no subscriber to the chain (every statement of a lease passes here).
        AtomicBoolean over = new AtomicBoolean();
        return Flux.from(exchange)
                .doOnEach(signal -> {
                    answered();
                    if ((signal.isOnComplete() || signal.isOnError()) && over.compareAndSet(false, true)) {
                        RUNNING.decrementAndGet(this);
                    }
                })
                .doOnCancel(() -> {
                    if (over.compareAndSet(false, true)) {
                        interrupted = true;
                        RUNNING.decrementAndGet(this);
                    }
                })
                .doFirst(() -> RUNNING.incrementAndGet(this));
    }

    /**
     * Whether the connection may still be busy on the server: an exchange was cancelled (the
     * statement may still run, a cancel may still be on its way) or has not ended.
     */
    boolean unsettled() {
        return interrupted || running > 0;
    }

    /**
     * The lease is over: the connection is back in the pool or discarded. Holding time is not the
     * node's latency (a Spring transaction holds its connection while the application thinks), so
     * the limiter is told to ignore this sample rather than learn from it.
     */
    void end() {
        if (ENDED.compareAndSet(this, 0, 1)) {
            node.load().finished();
            listener.onIgnore();
        }
    }

    /**
     * The acquire failed or was cancelled: no connection was leased. A timeout is the limiter's
     * overload signal; other failures say nothing of load.
     *
     * @param error the acquire's error
     */
    void endFailed(Throwable error) {
        if (ENDED.compareAndSet(this, 0, 1)) {
            node.load().finished();
            if (error instanceof TimeoutException || SqlStates.isTimeout(error)) {
                listener.onDropped();
            } else {
                listener.onIgnore();
            }
        }
    }
}
