package io.flowgres.internal.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Watches the running attempts of one node for their deadline and for silence, with one sweep every
 * {@link #TICK} while any runs, instead of timers per attempt: scheduling and cancelling a timer on
 * the shared scheduler (a locked delay queue) for the deadline, for the first silence and again
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
    private final Scheduler timer;
    private final LongSupplier ticker;
    /** Attempts started since the last sweep; offered by any thread. */
    private final Queue<Watched> arrivals = new ConcurrentLinkedQueue<>();
    /** The attempts being watched; touched by the sweep only (one is scheduled at a time). */
    private final List<Watched> watched = new ArrayList<>();
    /** Whether a sweep is scheduled: set by the first arrival, cleared by a sweep that finds nothing to watch. */
    private final AtomicBoolean armed = new AtomicBoolean();

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
        this.timer = timer;
        this.ticker = ticker;
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

    private void arrived(Watched attempt) {
        arrivals.offer(attempt);
        if (armed.compareAndSet(false, true)) {
            scheduleSweep();
        }
    }

    private void scheduleSweep() {
        timer.schedule(this::sweep, TICK.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Looks at every running attempt once, then comes again after a tick while any is left. */
    private void sweep() {
        for (Watched attempt = arrivals.poll(); attempt != null; attempt = arrivals.poll()) {
            watched.add(attempt);
        }
        long now = now();
        int kept = 0;
        for (int i = 0; i < watched.size(); i++) {
            Watched attempt = watched.get(i);
            if (attempt.looked(now)) {
                watched.set(kept++, attempt);
            }
        }
        watched.subList(kept, watched.size()).clear();
        if (watched.isEmpty()) {
            armed.set(false);
            // An arrival that found the sweep still armed counts on this one to see it.
            if (arrivals.isEmpty() || !armed.compareAndSet(false, true)) {
                return;
            }
        }
        scheduleSweep();
    }

    private long now() {
        return ticker.getAsLong();
    }

    /**
     * One watched attempt. It is the publisher the attempt's {@code timeout} operator listens to (for
     * the first signal and again after each item): a sweep that finds it due signals the error to
     * the operator's current subscriber, which cancels the attempt and passes the error on. Between
     * two subscriptions, or once the attempt ended, it has no subscriber and the sweep lets it go; a
     * later subscription brings it back.
     */
    private final class Watched implements Publisher<Object> {

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
                arrived(this);
            }
        }

        /**
         * A sweep looks at the attempt.
         *
         * @return whether to go on watching it
         */
        boolean looked(long now) {
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
