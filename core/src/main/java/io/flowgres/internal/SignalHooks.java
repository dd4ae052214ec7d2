package io.flowgres.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * What an attempt does as its signals pass, in one subscriber: items, completion, an error (which it
 * may replace) and cancellation; and, from outside, {@linkplain #fail a failure} (a watch's deadline,
 * a hung node). Every attempt of every query passes two such points: the node's bookkeeping, which
 * its watch {@linkplain Joined joins}, then the verdicts for the node's breaker, limit and load, which
 * the pipeline's metrics and attempt facts join; every wait for a pooled connection passes one.
 * Reactor's peeks there ({@code doOnEach}, which captures the subscriber's context and builds a
 * {@code Signal} per signal, {@code doOnNext}, {@code doOnComplete}, {@code doOnCancel},
 * {@code onErrorMap}, {@code doFirst}, {@code doFinally}), resilience4j's breaker operator and the
 * {@code timeout} operators of the watch (each subscribing to its expiry again after every item)
 * were some twenty subscribers per attempt. A {@link FluxOperator}, as resilience4j-reactor's breaker
 * operator is. The cancel hook runs at most once, and even after a terminal signal (a subscriber may
 * cancel then), like {@code doOnCancel}. Internal: not part of the API and free to change.
 *
 * @param <T> the attempt's item type
 */
public abstract class SignalHooks<T> {

    /** The subscriber these hooks are on, once subscribed; {@link #fail} reaches the stream through it. */
    private volatile @Nullable HookedSubscriber<T> attached;
    /** A failure from outside, kept for a subscriber that comes after it. */
    private volatile @Nullable Throwable failure;

    /**
     * An item passes; runs before the item goes on.
     *
     * @param item the item
     */
    protected void onItem(T item) {
        // Nothing by default.
    }

    /** The attempt completed; runs before the completion goes on. */
    protected void onComplete() {
        // Nothing by default.
    }

    /**
     * The attempt failed; runs before the error goes on, and what it returns goes on instead.
     *
     * @param error the error
     * @return the error to pass on (the same one by default)
     */
    protected Throwable onError(Throwable error) {
        return error;
    }

    /** The subscriber cancelled, or the stream was {@linkplain #fail failed}; runs before the cancellation goes upstream. */
    protected void onCancel() {
        // Nothing by default.
    }

    /**
     * Ends the stream from outside, from any thread: unless it has ended, its upstream is cancelled
     * (the cancel hook runs, as for a cancellation) and {@code error} goes downstream, as Reactor's
     * {@code timeout} operator does. An item being passed on when the failure comes goes on first;
     * a failure before the stream is subscribed ends it as soon as it is.
     *
     * @param error what the stream fails with
     */
    public final void fail(Throwable error) {
        // Written before the subscriber is read, and read by the subscriber after it is attached: one of
        // the two sees the other.
        failure = error;
        HookedSubscriber<T> subscriber = attached;
        if (subscriber != null) {
            subscriber.fail(error);
        }
    }

    /**
     * The attempt with these hooks on its signals.
     *
     * @param attempt the attempt
     * @param hooks the hooks; every subscription of the result shares them, so make both per subscription
     *        (inside a {@code defer})
     * @param <T> the item type
     * @return the attempt, hooked
     */
    public static <T> Flux<T> hooked(Flux<T> attempt, SignalHooks<T> hooks) {
        return new HookedFlux<>(attempt, hooks);
    }

    /**
     * A single-valued wait (an acquire) with these hooks on its signals.
     *
     * @param wait the wait
     * @param hooks the hooks; made per subscription, as for {@link #hooked(Flux, SignalHooks)}
     * @param <T> the value's type
     * @return the wait, hooked
     */
    public static <T> Mono<T> hooked(Mono<T> wait, SignalHooks<T> hooks) {
        return new HookedMono<>(wait, hooks);
    }

    /**
     * Hooks that pass each signal on to another's after their own (a watch joining an attempt's own
     * hooks, so that both take one subscriber): an override does its part, then calls {@code super}.
     *
     * @param <T> the item type
     */
    public abstract static class Joined<T> extends SignalHooks<T> {

        private final SignalHooks<T> joined;

        /**
         * Joins hooks.
         *
         * @param joined the hooks each signal goes to after these
         */
        protected Joined(SignalHooks<T> joined) {
            this.joined = joined;
        }

        @Override
        protected void onItem(T item) {
            joined.onItem(item);
        }

        @Override
        protected void onComplete() {
            joined.onComplete();
        }

        @Override
        protected Throwable onError(Throwable error) {
            return joined.onError(error);
        }

        @Override
        protected void onCancel() {
            joined.onCancel();
        }
    }

    /** The attempt, each of whose subscriptions passes the hooks. */
    private static final class HookedFlux<T> extends FluxOperator<T, T> {

        private final SignalHooks<T> hooks;

        HookedFlux(Flux<? extends T> source, SignalHooks<T> hooks) {
            super(source);
            this.hooks = hooks;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new HookedSubscriber<>(actual, hooks));
        }
    }

    /** The wait, each of whose subscriptions passes the hooks. */
    private static final class HookedMono<T> extends MonoOperator<T, T> {

        private final SignalHooks<T> hooks;

        HookedMono(Mono<? extends T> source, SignalHooks<T> hooks) {
            super(source);
            this.hooks = hooks;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new HookedSubscriber<>(actual, hooks));
        }
    }

    /**
     * Passes every signal on, after its hook. A hook that throws fails the attempt (its upstream is
     * cancelled), as Reactor's peeks do. A failure from outside is serialized with the items: the
     * state says whether an item is being passed, and a failure that comes then is left for the thread
     * passing it to deliver when the item has gone on (as Reactor's {@code timeout} arms its next
     * timer only after the item has gone on).
     */
    private static final class HookedSubscriber<T> implements CoreSubscriber<T>, Subscription {

        /** Between items. */
        private static final int IDLE = 0;
        /** An item is being passed on. */
        private static final int PASSING = 1;
        /** A failure came while an item was being passed on; the passing thread delivers it. */
        private static final int FAILING = 2;
        /** A terminal signal (or the failure) has gone on. */
        private static final int DONE = 3;

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<HookedSubscriber> STATE =
                AtomicIntegerFieldUpdater.newUpdater(HookedSubscriber.class, "state");
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<HookedSubscriber> CANCEL_HOOKED =
                AtomicIntegerFieldUpdater.newUpdater(HookedSubscriber.class, "cancelHooked");

        private final CoreSubscriber<? super T> actual;
        private final SignalHooks<T> hooks;
        private @Nullable Subscription upstream;
        private volatile int state;
        /** 1 once the cancel hook ran (a failure from outside and the subscriber's own cancel both run it). */
        private volatile int cancelHooked;
        /** How deep the passing thread is in {@link #onNext}: an item the downstream's request brought on at once. */
        private int depth;
        /** Whether the upstream sent its own end (its signals are serial, so its later items see this). */
        private boolean upstreamEnded;

        HookedSubscriber(CoreSubscriber<? super T> actual, SignalHooks<T> hooks) {
            this.actual = actual;
            this.hooks = hooks;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            if (Operators.validate(upstream, subscription)) {
                upstream = subscription;
                actual.onSubscribe(this);
                hooks.attached = this;
                Throwable failed = hooks.failure;
                if (failed != null) {
                    fail(failed);
                }
            }
        }

        @Override
        public void onNext(T item) {
            if (depth > 0) {
                // Re-entered from the item before (its downstream requested, the upstream answered at once):
                // this thread passes items, a failure waits for the outermost to end.
                if (state == DONE) {
                    drop(item);
                } else {
                    pass(item);
                }
                return;
            }
            if (!STATE.compareAndSet(this, IDLE, PASSING)) {
                // Failed from outside, cancelled, or ended: this one came anyway.
                drop(item);
                return;
            }
            depth = 1;
            try {
                pass(item);
            } finally {
                depth = 0;
            }
            if (!STATE.compareAndSet(this, PASSING, IDLE) && STATE.compareAndSet(this, FAILING, DONE)) {
                // The hooks hold the failure: written before the state said FAILING.
                deliverFailure(Objects.requireNonNull(hooks.failure, "failing without a failure"));
            }
        }

        /**
         * An item after the end. After the upstream's own end it broke the protocol ({@code onNextDropped});
         * after a cancel or a failure from outside it was in flight, and goes to the caller's discard hook
         * (as Reactor's operators discard what a cancel leaves), which may release what it holds.
         */
        private void drop(T item) {
            if (upstreamEnded) {
                Operators.onNextDropped(item, actual.currentContext());
            } else {
                Operators.onDiscard(item, actual.currentContext());
            }
        }

        private void pass(T item) {
            try {
                hooks.onItem(item);
            } catch (RuntimeException | Error e) {
                // Reactor's own peeks turn a failing hook into the stream's error, dropping the item.
                Operators.onDiscard(item, actual.currentContext());
                onError(Operators.onOperatorError(upstream, e, item, actual.currentContext()));
                return;
            }
            actual.onNext(item);
        }

        @Override
        public void onError(Throwable error) {
            upstreamEnded = true;
            if (!terminate()) {
                Operators.onErrorDropped(error, actual.currentContext());
                return;
            }
            passError(error);
        }

        private void passError(Throwable error) {
            Throwable passed;
            try {
                passed = hooks.onError(error);
            } catch (RuntimeException | Error e) {
                e.addSuppressed(error);
                passed = e;
            }
            actual.onError(passed);
        }

        @Override
        public void onComplete() {
            upstreamEnded = true;
            if (!terminate()) {
                return;
            }
            try {
                hooks.onComplete();
            } catch (RuntimeException | Error e) {
                passError(Operators.onOperatorError(upstream, e, actual.currentContext()));
                return;
            }
            actual.onComplete();
        }

        /**
         * Ends the state for a terminal signal of the upstream; {@code false} when the stream had ended.
         * A failure left for an item being passed loses to a terminal signal that item brought on: the
         * node's own answer wins.
         */
        private boolean terminate() {
            for (;;) {
                int current = state;
                if (current == DONE) {
                    return false;
                }
                if (STATE.compareAndSet(this, current, DONE)) {
                    return true;
                }
            }
        }

        /**
         * A failure from outside, from any thread; the hooks hold it ({@link SignalHooks#fail} writes it
         * first), for the passing thread to deliver when it comes while an item is passed on.
         */
        void fail(Throwable error) {
            for (;;) {
                int current = state;
                if (current == IDLE) {
                    if (STATE.compareAndSet(this, IDLE, DONE)) {
                        deliverFailure(error);
                        return;
                    }
                } else if (current == PASSING) {
                    if (STATE.compareAndSet(this, PASSING, FAILING)) {
                        return;
                    }
                } else {
                    return;
                }
            }
        }

        private void deliverFailure(Throwable error) {
            try {
                cancelHook();
            } finally {
                requireUpstream().cancel();
                actual.onError(error);
            }
        }

        @Override
        public void request(long n) {
            requireUpstream().request(n);
        }

        @Override
        public void cancel() {
            // A cancel inside an item's handling (take, next) ends the stream: a failure no longer goes on.
            terminate();
            try {
                cancelHook();
            } finally {
                requireUpstream().cancel();
            }
        }

        private void cancelHook() {
            if (CANCEL_HOOKED.compareAndSet(this, 0, 1)) {
                hooks.onCancel();
            }
        }

        private Subscription requireUpstream() {
            Subscription subscription = upstream;
            if (subscription == null) {
                throw new IllegalStateException("request or cancel before onSubscribe");
            }
            return subscription;
        }
    }
}
