package io.flowgres.internal.node;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.flowgres.internal.Sweeper;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Watches the running attempts of one node for their deadline and for silence, on a {@link Sweeper}
 * that looks at them every {@link #TICK} while any runs, instead of timers per attempt: a timer
 * scheduled and cancelled on the shared scheduler for the deadline, for the first silence and again
 * after each row cost a point read about a third of what Flowgres added to the bare driver.
 *
 * <p>An attempt past its deadline fails with a {@link TimeoutException}. Silence tells a hung node
 * from a slow query: whenever an attempt has heard nothing from its node for a window, the node is
 * asked, on another connection, whether it is alive; a node that answers is working (a long sort, a
 * lock wait), so the attempt goes on and the next window is twice as long, up to a ceiling; a node
 * that does not answer is hung (frozen, partitioned), and the attempt fails at once with a
 * {@link NodeSilentException}, in a fraction of a second instead of at its deadline. Any signal of
 * the attempt (a row, a result) starts a new first window. Both fire on the first sweep at or past
 * their time, so up to one tick late.
 */
final class AttemptWatch {

    /** How often running attempts are looked at: a small part of the shortest silence window. */
    static final Duration TICK = Duration.ofMillis(5);
    /** The name timeouts give in their errors: a Flowgres attempt on a node. */
    static final String ATTEMPT_NAME = "flowgres.attempt";

    private final String node;
    private final Duration ceiling;
    private final Supplier<Mono<Boolean>> alive;
    private final Sweeper sweeper;

    /**
     * Creates the watch of a node.
     *
     * @param node the node's name, for the errors
     * @param ceiling the longest silence window
     * @param alive a fresh liveness check per call: {@code true} when the node answered in time
     * @param timer the scheduler of the sweeps
     * @param ticker the clock of deadlines and silence, in nanoseconds
     */
    AttemptWatch(String node, Duration ceiling, Supplier<Mono<Boolean>> alive, Scheduler timer, LongSupplier ticker) {
        this.node = node;
        this.ceiling = ceiling;
        this.alive = alive;
        this.sweeper = new Sweeper(TICK, timer, ticker);
    }

    /** The node did not answer a liveness check while an attempt waited on it. */
    static final class NodeSilentException extends TimeoutException {

        private static final long serialVersionUID = 1L;

        NodeSilentException(String node, Duration silence) {
            super(node + " answered nothing for " + silence.toMillis() + " ms and failed a liveness check");
        }
    }

    /**
     * Watches an attempt from now: call it when the attempt is subscribed (inside its {@code defer}).
     *
     * @param attempt the attempt
     * @param deadline the longest the whole attempt may run, or {@code null} for none
     * @param firstSilence the first silence window, or {@code null} not to watch for silence
     * @param <T> the result type
     * @return the attempt, failing with a {@link TimeoutException} at its deadline and with a
     *         {@link NodeSilentException} when its node is hung
     */
    <T> Flux<T> watch(Flux<T> attempt, @Nullable Duration deadline, @Nullable Duration firstSilence) {
        if (deadline == null && firstSilence == null) {
            return attempt;
        }
        Watched watched = new Watched(now(), deadline, firstSilence);
        // Named, so that the timeout operator does not walk the chain at assembly for a description.
        return attempt.name(ATTEMPT_NAME).timeout(watched, item -> watched.signalled());
    }

    private long now() {
        return sweeper.now();
    }

    /**
     * One watched attempt. It is the publisher the attempt's {@code timeout} operator listens to (for
     * the first signal and again after each item): a sweep that finds it due signals the error to
     * the operator's current subscriber, which cancels the attempt and passes the error on. Between
     * two subscriptions, or once the attempt ended, it has no subscriber and the sweep lets it go; a
     * later subscription brings it back.
     */
    private final class Watched implements Publisher<Object>, Sweeper.Watched {

        private final @Nullable Duration deadline;
        private final long deadlineNanos;
        private final long firstWindowNanos;
        private final AtomicReference<@Nullable Subscriber<? super Object>> subscriber = new AtomicReference<>();
        private final AtomicBoolean registered = new AtomicBoolean();
        private volatile long lastSignalNanos;
        /** When the last liveness check answered that the node is alive. */
        private volatile long checkedNanos;
        private volatile long windowNanos;
        private volatile boolean checking;

        Watched(long startedNanos, @Nullable Duration deadline, @Nullable Duration firstSilence) {
            this.deadline = deadline;
            this.deadlineNanos = deadline == null ? 0 : startedNanos + deadline.toNanos();
            this.firstWindowNanos = firstSilence == null ? 0 : firstSilence.toNanos();
            this.lastSignalNanos = startedNanos;
            this.checkedNanos = startedNanos;
            this.windowNanos = firstWindowNanos;
        }

        /** An item of the attempt: a new first window. */
        Watched signalled() {
            lastSignalNanos = now();
            windowNanos = firstWindowNanos;
            return this;
        }

        @Override
        public void subscribe(Subscriber<? super Object> timeout) {
            subscriber.set(timeout);
            timeout.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    // Nothing to request: the only signal is the error.
                }

                @Override
                public void cancel() {
                    subscriber.compareAndSet(timeout, null);
                }
            });
            if (registered.compareAndSet(false, true)) {
                sweeper.add(this);
            }
        }

        @Override
        public boolean looked(long now) {
            if (subscriber.get() == null) {
                registered.set(false);
                // A subscription that came meanwhile found it still registered: keep it for that one.
                return subscriber.get() != null && registered.compareAndSet(false, true);
            }
            if (deadline != null && now - deadlineNanos >= 0) {
                fail(new TimeoutException("'" + ATTEMPT_NAME + "' on " + node + " did not end within its deadline of "
                        + deadline.toMillis() + " ms"));
                return false;
            }
            long silentSince = Math.max(lastSignalNanos, checkedNanos);
            if (firstWindowNanos > 0 && !checking && now - silentSince >= windowNanos) {
                check(now - lastSignalNanos);
            }
            return true;
        }

        private void check(long silentNanos) {
            checking = true;
            alive.get().subscribe(answered -> {
                if (!answered) {
                    fail(new NodeSilentException(node, Duration.ofNanos(silentNanos)));
                    return;
                }
                checkedNanos = now();
                windowNanos = Math.min(windowNanos * 2, ceiling.toNanos());
                checking = false;
            }, error -> fail(new NodeSilentException(node, Duration.ofNanos(silentNanos))));
        }

        private void fail(Throwable error) {
            Subscriber<? super Object> timeout = subscriber.getAndSet(null);
            if (timeout != null) {
                timeout.onError(error);
            }
        }
    }
}
