package io.flowgres.internal.r2dbc;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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

    private final Node node;
    private final Limiter.Listener listener;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean interrupted;

    NodeLease(Node node, Limiter.Listener listener) {
        this.node = node;
        this.listener = listener;
        node.load().started();
    }

    Node node() {
        return node;
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
        // with an extra round trip as if its statement had been cancelled.
        AtomicBoolean over = new AtomicBoolean();
        return Flux.from(exchange)
                .doOnSubscribe(subscription -> running.incrementAndGet())
                .doOnEach(signal -> {
                    answered();
                    if ((signal.isOnComplete() || signal.isOnError()) && over.compareAndSet(false, true)) {
                        running.decrementAndGet();
                    }
                })
                .doOnCancel(() -> {
                    if (over.compareAndSet(false, true)) {
                        interrupted = true;
                        running.decrementAndGet();
                    }
                });
    }

    /**
     * Whether the connection may still be busy on the server: an exchange was cancelled (the
     * statement may still run, a cancel may still be on its way) or has not ended.
     */
    boolean unsettled() {
        return interrupted || running.get() > 0;
    }

    /**
     * The lease is over: the connection is back in the pool or discarded. Holding time is not the
     * node's latency (a Spring transaction holds its connection while the application thinks), so
     * the limiter is told to ignore this sample rather than learn from it.
     */
    void end() {
        if (ended.compareAndSet(false, true)) {
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
        if (ended.compareAndSet(false, true)) {
            node.load().finished();
            if (error instanceof TimeoutException || SqlStates.isTimeout(error)) {
                listener.onDropped();
            } else {
                listener.onIgnore();
            }
        }
    }
}
