package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.flowgres.internal.Sweeper;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A hedged read: the first attempt runs; if it has not signalled anything after a delay, a second
 * one starts (on another node), and whichever signals first wins.
 *
 * <p>A hedge that cannot start (no other node, no budget, no time) or that fails before answering
 * leaves the decision to the first attempt alone: a hedge may only make a read faster, never fail
 * it. A losing hedge is cancelled and settled by its node. A first attempt that loses to the hedge
 * is not cancelled: it runs to its end or its own deadline and its rows are dropped, because it
 * loses precisely when its node is stalled, where a cancelled statement cannot settle and costs a
 * server-side cancel and a new login each. A caller that cancels before the hedge answers cancels
 * both.
 *
 * <p>Every replica read with hedging on goes through here and nearly all answer before the delay, so
 * the race is one small operator rather than a composition (a shared first attempt, a race of two
 * sources, a timer per read: thirteen operators and a scheduled task), and the delay is timed by a
 * {@link Sweeper}.
 */
final class Hedging {

    /** The time between two sweeps of the hedge delays: how late a hedge may start at most. */
    static final Duration TICK = Duration.ofMillis(1);

    private Hedging() {
    }

    /**
     * Races an attempt against a delayed hedge.
     *
     * @param first the first attempt
     * @param hedge the hedge, asked for only when the delay passes; an empty result means no hedge
     * @param after the delay
     * @param delays the sweeper that times the delay (a {@link #TICK} apart)
     * @param <T> the result type
     * @return the winner's signals
     */
    static <T> Flux<T> race(Flux<T> first, Supplier<Mono<Flux<T>>> hedge, Duration after, Sweeper delays) {
        long afterNanos = after.toNanos();
        return new Flux<>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                Race<T> race = new Race<>(actual, hedge, delays.now() + afterNanos);
                actual.onSubscribe(race);
                first.subscribe(race.first);
                delays.add(race);
            }
        };
    }

    /**
     * One hedged read: the caller's subscription, the delay's watch, and the two contenders. The
     * winner is decided once, by the first signal of the first attempt or the first row or completion
     * of the hedge; only the winner's signals reach the caller, so they stay serial. Demand goes to
     * both (a loser is cancelled, or drained without limit).
     */
    private static final class Race<T> implements Subscription, Sweeper.Watched {

        private static final int UNDECIDED = 0;
        private static final int FIRST = 1;
        private static final int HEDGE = 2;

        private final CoreSubscriber<? super T> actual;
        private final Supplier<Mono<Flux<T>>> hedgeSupplier;
        private final long dueNanos;
        private final AtomicInteger winner = new AtomicInteger(UNDECIDED);
        private final Contender first = new Contender(true);
        private final Contender hedge = new Contender(false);
        /** Asking for the hedge (routing, budget); disposed once the hedge may no longer run. */
        private final AtomicReference<@Nullable Disposable> asking = new AtomicReference<>();
        private volatile boolean over;

        Race(CoreSubscriber<? super T> actual, Supplier<Mono<Flux<T>>> hedgeSupplier, long dueNanos) {
            this.actual = actual;
            this.hedgeSupplier = hedgeSupplier;
            this.dueNanos = dueNanos;
        }

        @Override
        public void request(long n) {
            first.upstream.request(n);
            hedge.upstream.request(n);
        }

        @Override
        public void cancel() {
            over = true;
            if (winner.get() != HEDGE) {
                // The caller gave up before the hedge answered: the first attempt goes too.
                first.upstream.cancel();
            }
            dropHedge();
        }

        /** The delay's sweep: starts the hedge once due, unless the race is decided or over. */
        @Override
        public boolean looked(long nowNanos) {
            if (over || winner.get() != UNDECIDED) {
                return false;
            }
            if (nowNanos - dueNanos < 0) {
                return true;
            }
            Disposable ask = hedgeSupplier.get().subscribe(attempt -> attempt.subscribe(hedge), error -> { });
            if (!asking.compareAndSet(null, ask)) {
                ask.dispose(); // decided or cancelled meanwhile
            }
            return false;
        }

        /** Decides the race for a contender; false when the other one already won. */
        private boolean wins(boolean isFirst) {
            int me = isFirst ? FIRST : HEDGE;
            int current = winner.get();
            if (current != UNDECIDED) {
                return current == me;
            }
            if (!winner.compareAndSet(UNDECIDED, me)) {
                return winner.get() == me;
            }
            if (isFirst) {
                dropHedge();
            } else {
                // The first attempt is left to end by itself, its rows dropped.
                first.upstream.request(Long.MAX_VALUE);
            }
            return true;
        }

        private void dropHedge() {
            Disposable ask = asking.getAndSet(Disposables.disposed());
            if (ask != null) {
                ask.dispose();
            }
            hedge.upstream.cancel();
        }

        /** The subscriber to one contender. */
        private final class Contender implements CoreSubscriber<T> {

            private final boolean isFirst;
            private final Operators.DeferredSubscription upstream = new Operators.DeferredSubscription();

            Contender(boolean isFirst) {
                this.isFirst = isFirst;
            }

            @Override
            public Context currentContext() {
                return actual.currentContext();
            }

            @Override
            public void onSubscribe(Subscription subscription) {
                upstream.set(subscription);
            }

            @Override
            public void onNext(T item) {
                if (wins(isFirst)) {
                    actual.onNext(item);
                } else {
                    Operators.onDiscard(item, actual.currentContext());
                }
            }

            @Override
            public void onError(Throwable error) {
                // A hedge that fails before it answered leaves the decision to the first attempt.
                if ((isFirst || winner.get() == HEDGE) && wins(isFirst)) {
                    actual.onError(error);
                }
            }

            @Override
            public void onComplete() {
                if (wins(isFirst)) {
                    actual.onComplete();
                }
            }
        }
    }
}
