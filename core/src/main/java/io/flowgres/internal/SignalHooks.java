package io.flowgres.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * What an attempt does as its signals pass, in one subscriber: items, completion, an error (which it
 * may replace) and cancellation. Every attempt of every query passes three such points: the node's
 * bookkeeping inside the attempt's watch, the verdicts for the node's breaker, limit and load outside
 * it, then the pipeline's metrics and attempt facts. Reactor's peeks there ({@code doOnEach}, which
 * captures the subscriber's context and builds a {@code Signal} per signal, {@code doOnNext},
 * {@code doOnComplete}, {@code doOnCancel}, {@code onErrorMap}, {@code doFirst}, {@code doFinally})
 * and resilience4j's breaker operator were a dozen subscribers per attempt. A {@link FluxOperator},
 * as resilience4j-reactor's breaker operator is. Like {@code doOnCancel}, the cancel hook runs even
 * after a terminal signal (a subscriber may cancel then); hooks that must run once guard themselves.
 * Internal: not part of the API and free to change.
 *
 * @param <T> the attempt's item type
 */
public abstract class SignalHooks<T> {

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

    /** The subscriber cancelled; runs before the cancellation goes upstream. */
    protected void onCancel() {
        // Nothing by default.
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

    /**
     * Passes every signal on, after its hook. A hook that throws fails the attempt (its upstream is
     * cancelled), as Reactor's peeks do.
     */
    private static final class HookedSubscriber<T> implements CoreSubscriber<T>, Subscription {

        private final CoreSubscriber<? super T> actual;
        private final SignalHooks<T> hooks;
        private @Nullable Subscription upstream;
        private boolean done;

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
            }
        }

        @Override
        public void onNext(T item) {
            if (done) {
                Operators.onNextDropped(item, actual.currentContext());
                return;
            }
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
            if (done) {
                Operators.onErrorDropped(error, actual.currentContext());
                return;
            }
            done = true;
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
            if (done) {
                return;
            }
            try {
                hooks.onComplete();
            } catch (RuntimeException | Error e) {
                onError(Operators.onOperatorError(upstream, e, actual.currentContext()));
                return;
            }
            done = true;
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            requireUpstream().request(n);
        }

        @Override
        public void cancel() {
            try {
                hooks.onCancel();
            } finally {
                requireUpstream().cancel();
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
