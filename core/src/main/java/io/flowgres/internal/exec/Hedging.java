package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
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
 * <p>One operator rather than composed ones: every replica read passes here and nearly none is ever
 * hedged, and the composition it replaces (the first attempt {@code publish}ed to a drain and to
 * {@code firstWithSignal}, a delay {@code Mono}, the hedge's {@code flatMapMany}) cost each read
 * 2-4 µs of CPU whether or not its delay ever passed (load-tests/README.md, issue #16). Here a read
 * that is never hedged costs one subscriber between it and its caller and one entry in the delays'
 * sweep.
 */
final class Hedging {

    private Hedging() {
    }

    /**
     * Races an attempt against a delayed hedge.
     *
     * @param first the first attempt
     * @param hedge the hedge, asked for only when the delay passes (it may wait longer before it
     *        answers); an empty result means no hedge
     * @param after the delay
     * @param delays where the delay is timed
     * @param <T> the result type
     * @return the winner's signals
     */
    static <T> Flux<T> race(Flux<T> first, Supplier<Mono<Flux<T>>> hedge, Duration after, HedgeDelays delays) {
        return new RaceFlux<>(first, hedge, after, delays);
    }

    /** The race, started afresh for each subscriber. */
    private static final class RaceFlux<T> extends Flux<T> {

        private final Flux<T> first;
        private final Supplier<Mono<Flux<T>>> hedge;
        private final Duration after;
        private final HedgeDelays delays;

        RaceFlux(Flux<T> first, Supplier<Mono<Flux<T>>> hedge, Duration after, HedgeDelays delays) {
            this.first = first;
            this.hedge = hedge;
            this.after = after;
            this.delays = delays;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            Race<T> race = new Race<>(actual, hedge);
            actual.onSubscribe(race);
            first.subscribe(race.firstRun);
            if (race.isUndecided()) {
                delays.schedule(after, race);
            }
        }
    }

    /**
     * One race: who answered first, and the subscriptions of both runs. Before the decision both runs
     * get all the caller's demand, so the winner has had all of it; the decision is a compare-and-set
     * by the first signal of either, and from then on only the winner's signals reach the caller.
     */
    private static final class Race<T> extends HedgeDelays.Due implements Subscription {

        private static final int UNDECIDED = 0;
        private static final int FIRST = 1;
        private static final int HEDGE = 2;
        private static final int CANCELLED = 3;
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Race> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Race.class, "state");

        private final CoreSubscriber<? super T> actual;
        private final Supplier<Mono<Flux<T>>> hedge;
        private final Operators.DeferredSubscription firstSubscription = new Operators.DeferredSubscription();
        private final Operators.DeferredSubscription hedgeSubscription = new Operators.DeferredSubscription();
        /** The hedge's start (routing, budget, perhaps a further wait): cancelled when the race is decided. */
        private final Operators.DeferredSubscription startSubscription = new Operators.DeferredSubscription();
        final Run firstRun = new Run(FIRST, firstSubscription);
        private volatile int state;

        Race(CoreSubscriber<? super T> actual, Supplier<Mono<Flux<T>>> hedge) {
            this.actual = actual;
            this.hedge = hedge;
            startSubscription.request(1);
        }

        boolean isUndecided() {
            return state == UNDECIDED;
        }

        /** The hedge's delay is wanted while nobody has won. */
        @Override
        boolean waiting() {
            return isUndecided();
        }

        /** The delay has passed with no answer: ask for the hedge, and run it if the race is still open. */
        @Override
        void elapse() {
            if (state != UNDECIDED) {
                return;
            }
            hedge.get().subscribe(new Start());
        }

        @Override
        public void request(long n) {
            firstSubscription.request(n);
            hedgeSubscription.request(n);
        }

        @Override
        public void cancel() {
            int was = STATE.getAndSet(this, CANCELLED);
            if (was == HEDGE) {
                // The first attempt lost and drains to its end; only the hedge is the caller's.
                hedgeSubscription.cancel();
            } else if (was != CANCELLED) {
                firstSubscription.cancel();
                hedgeSubscription.cancel();
                startSubscription.cancel();
            }
        }

        /** Whether {@code side} is the winner, deciding for it when nobody has won yet. */
        private boolean wins(int side) {
            int now = state;
            if (now == side) {
                return true;
            }
            if (now != UNDECIDED || !STATE.compareAndSet(this, UNDECIDED, side)) {
                return false;
            }
            startSubscription.cancel();
            if (side == FIRST) {
                hedgeSubscription.cancel();
            } else {
                // Left to run to its end (see the class's note), its rows dropped.
                firstSubscription.request(Long.MAX_VALUE);
            }
            return true;
        }

        /** The subscriber of one run: the first attempt's, or the hedge's. */
        private final class Run implements CoreSubscriber<T> {

            private final int side;
            private final Operators.DeferredSubscription subscription;

            Run(int side, Operators.DeferredSubscription subscription) {
                this.side = side;
                this.subscription = subscription;
            }

            @Override
            public Context currentContext() {
                return actual.currentContext();
            }

            @Override
            public void onSubscribe(Subscription s) {
                subscription.set(s);
            }

            @Override
            public void onNext(T item) {
                if (wins(side)) {
                    actual.onNext(item);
                } else {
                    Operators.onDiscard(item, actual.currentContext());
                }
            }

            @Override
            public void onError(Throwable error) {
                // A hedge that fails before answering is no answer: the first attempt decides alone.
                if (side == HEDGE ? state == HEDGE : wins(side)) {
                    actual.onError(error);
                }
            }

            @Override
            public void onComplete() {
                if (wins(side)) {
                    actual.onComplete();
                }
            }
        }

        /** Receives the hedge once it can start, and runs it while nobody has won. */
        private final class Start implements CoreSubscriber<Flux<T>> {

            @Override
            public Context currentContext() {
                return actual.currentContext();
            }

            @Override
            public void onSubscribe(Subscription s) {
                startSubscription.set(s);
            }

            @Override
            public void onNext(Flux<T> run) {
                if (state == UNDECIDED) {
                    run.subscribe(new Run(HEDGE, hedgeSubscription));
                }
            }

            @Override
            public void onError(Throwable error) {
                // No hedge: a hedge may only make a read faster, never fail it.
            }

            @Override
            public void onComplete() {
            }
        }
    }
}
