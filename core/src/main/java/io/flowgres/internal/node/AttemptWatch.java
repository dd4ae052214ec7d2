package io.flowgres.internal.node;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.flowgres.internal.SignalHooks;
import io.flowgres.internal.Sweeper;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Watches the running attempts of one node for their deadline and for silence, on a {@link Sweeper}
 * that looks at them every {@link #TICK} while any runs, instead of timers per attempt: a timer
 * scheduled and cancelled on the shared scheduler for the deadline, for the first silence and again
 * after each row cost a point read a large part of what Flowgres added to the bare driver. The sweep
 * fails an attempt that is due through the attempt's own {@link SignalHooks}, which the watch's
 * hooks join: no {@code timeout} operator (which subscribed to an expiry again after every item)
 * and no subscriber of the watch's own.
 *
 * <p>An attempt past its deadline fails with a {@link TimeoutException}. Silence tells a hung node
 * from a slow query: whenever an attempt has heard nothing from its node for a window, the node is
 * asked, on another connection, whether it is alive; a node that answers is working (a long sort, a
 * lock wait), so the attempt goes on and the next window is twice as long, up to a ceiling; a node
 * that does not answer is hung (frozen, partitioned), and the attempt fails at once with a
 * {@link NodeSilentException}, in a fraction of a second instead of at its deadline. Any signal of
 * the attempt (a row, a result) starts a new first window. Both fire on the first sweep at or past
 * their time: up to a tick late, or a few just when new work stops arriving (see {@link Sweeper}).
 *
 * <p>The same sweeps bound each wait for a pooled connection ({@link #startAcquire}): r2dbc-pool's own
 * {@code maxAcquireTime} scheduled and cancelled a timer per acquire, on the read path and on every
 * connection the routing factory hands out.
 */
final class AttemptWatch {

    /** How often running attempts are looked at: a small part of the shortest silence window. */
    static final Duration TICK = Duration.ofMillis(5);
    /** The name a deadline's error gives: a Flowgres attempt on a node. */
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
     * Starts watching an attempt: call it when the attempt is subscribed (inside its {@code defer}) and
     * bind the attempt with {@link Watch#bound}, whose hooks tell the watch of the attempt's items and
     * end (so that watching adds no operator).
     *
     * @param deadline the longest the whole attempt may run, or {@code null} for none
     * @param firstSilence the first silence window, or {@code null} not to watch for silence
     * @return the attempt's watch
     */
    Watch start(@Nullable Duration deadline, @Nullable Duration firstSilence) {
        if (deadline == null && firstSilence == null) {
            return UNWATCHED;
        }
        long now = now();
        Watched watched = new Watched(now, deadline, firstSilence, false);
        sweeper.add(watched, now);
        return watched;
    }

    /**
     * Starts watching a wait for a pooled connection: call it when the acquire is subscribed and bind
     * the acquire with {@link Watch#bound(Mono, SignalHooks)}. An acquire still waiting after
     * {@code maxAcquireTime} fails as r2dbc-pool's own bound did, with an {@link R2dbcTimeoutException}.
     *
     * @param maxAcquireTime the longest the wait may take
     * @return the acquire's watch
     */
    Watch startAcquire(Duration maxAcquireTime) {
        long now = now();
        Watched watched = new Watched(now, maxAcquireTime, null, true);
        sweeper.add(watched, now);
        return watched;
    }

    /** One attempt's watch. */
    interface Watch {

        /**
         * Binds the attempt to the watch, with the attempt's own hooks: one subscriber for both.
         *
         * @param attempt the attempt
         * @param hooks what the attempt does as its signals pass; when the watch fails the attempt, they
         *        see it cancelled (the error goes downstream)
         * @param <T> the result type
         * @return the attempt, failing with a {@link TimeoutException} at its deadline and with a
         *         {@link NodeSilentException} when its node is hung
         */
        <T> Flux<T> bound(Flux<T> attempt, SignalHooks<T> hooks);

        /**
         * Binds a single-valued wait (an acquire) to the watch, with its own hooks.
         *
         * @param wait the wait
         * @param hooks what the wait does as its signals pass
         * @param <T> the value's type
         * @return the wait, failing when the watch expires
         */
        <T> Mono<T> bound(Mono<T> wait, SignalHooks<T> hooks);
    }

    /** The watch of an attempt with neither a deadline nor a silence window. */
    private static final Watch UNWATCHED = new Watch() {
        @Override
        public <T> Flux<T> bound(Flux<T> attempt, SignalHooks<T> hooks) {
            return SignalHooks.hooked(attempt, hooks);
        }

        @Override
        public <T> Mono<T> bound(Mono<T> wait, SignalHooks<T> hooks) {
            return SignalHooks.hooked(wait, hooks);
        }
    };

    private long now() {
        return sweeper.now();
    }

    /**
     * One watched attempt, or acquire. Its hooks hear each item (a new first silence window) and the
     * end (the next sweep lets it go); a sweep that finds it due {@linkplain SignalHooks#fail fails}
     * them with {@code overdue}'s error: the attempt is cancelled and the error passed on.
     */
    private final class Watched implements Sweeper.Watched, Watch {

        private final @Nullable Duration deadline;
        private final long deadlineNanos;
        /** Whether it watches a wait for a pooled connection (else an attempt), for its error. */
        private final boolean acquire;
        private final long firstWindowNanos;
        /** The attempt's hooks, once bound; the sweeps fail the attempt through them. */
        private volatile @Nullable SignalHooks<?> hooks;
        /** Why the attempt is due, kept for hooks bound after the sweep found it so. */
        private volatile @Nullable Throwable due;
        private volatile boolean ended;
        private volatile long lastSignalNanos;
        /** When the last liveness check answered that the node is alive. */
        private volatile long checkedNanos;
        private volatile long windowNanos;
        private volatile boolean checking;

        Watched(long startedNanos, @Nullable Duration deadline, @Nullable Duration firstSilence, boolean acquire) {
            this.deadline = deadline;
            this.acquire = acquire;
            this.deadlineNanos = deadline == null ? 0 : startedNanos + deadline.toNanos();
            this.firstWindowNanos = firstSilence == null ? 0 : firstSilence.toNanos();
            this.lastSignalNanos = startedNanos;
            this.checkedNanos = startedNanos;
            this.windowNanos = firstWindowNanos;
        }

        @Override
        public <T> Flux<T> bound(Flux<T> attempt, SignalHooks<T> hooks) {
            return SignalHooks.hooked(attempt, bind(hooks));
        }

        @Override
        public <T> Mono<T> bound(Mono<T> wait, SignalHooks<T> hooks) {
            return SignalHooks.hooked(wait, bind(hooks));
        }

        private <T> SignalHooks<T> bind(SignalHooks<T> hooks) {
            Heard<T> heard = new Heard<>(hooks);
            this.hooks = heard;
            Throwable failed = due;
            if (failed != null) {
                heard.fail(failed);
            }
            return heard;
        }

        /** The error of a wait past its deadline: as r2dbc-pool's own bound for an acquire. */
        private Throwable overdue(long deadlineMillis) {
            return acquire
                    ? new R2dbcTimeoutException("Connection acquisition from " + node + " timed out after "
                            + deadlineMillis + "ms")
                    : new TimeoutException("'" + ATTEMPT_NAME + "' on " + node + " did not end within its deadline of "
                            + deadlineMillis + " ms");
        }

        /** Fails the attempt, from a sweep or a liveness check's answer. */
        private void fail(Throwable error) {
            // Written before the hooks are read, and read by bind after it set them: one of the two fails them.
            due = error;
            SignalHooks<?> bound = hooks;
            if (bound != null) {
                bound.fail(error);
            }
        }

        @Override
        public boolean looked(long now) {
            if (ended) {
                return false;
            }
            if (deadline != null && now - deadlineNanos >= 0) {
                fail(overdue(deadline.toMillis()));
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

        /**
         * The attempt's own hooks, with what the watch hears of it: each item starts a new first window;
         * any end lets the attempt go.
         */
        private final class Heard<T> extends SignalHooks.Joined<T> {

            Heard(SignalHooks<T> own) {
                super(own);
            }

            @Override
            protected void onItem(T item) {
                if (firstWindowNanos > 0) {
                    lastSignalNanos = now();
                    windowNanos = firstWindowNanos;
                }
                super.onItem(item);
            }

            @Override
            protected void onComplete() {
                ended = true;
                super.onComplete();
            }

            @Override
            protected Throwable onError(Throwable error) {
                ended = true;
                return super.onError(error);
            }

            @Override
            protected void onCancel() {
                ended = true;
                super.onCancel();
            }
        }
    }
}
