package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.util.concurrent.Queues;
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
        return Flux.deferContextual(context -> {
            AtomicBoolean hedgeAnswered = new AtomicBoolean();
            AtomicReference<Disposable> firstRun = new AtomicReference<>();
            // Every replica read subscribes this: only the delay is subscribed until it passes, the hedge's
            // own chain is built when it does (most reads never get there).
            Flux<T> second = delays.after(after)
                    .flatMapMany(tick -> hedge.get()
                            .flatMapMany(attempt -> attempt
                                    .doOnNext(item -> hedgeAnswered.set(true))
                                    .doOnComplete(() -> hedgeAnswered.set(true))
                                    .onErrorResume(error -> hedgeAnswered.get() ? Flux.error(error) : Flux.never()))
                            .switchIfEmpty(Flux.never()));
            // The first attempt runs for two subscribers: the race, and a drain that keeps it running to
            // its end (bounded by its own deadline) when the hedge wins and the race lets go of it.
            // Cancelling it would, on a frozen node, leave a connection that cannot settle, so it would be
            // cancelled on the server and discarded: a cancel request and a new login per hedged read,
            // all landing at once when the node thaws.
            // The drain subscribes first, so the first attempt sees its context: the caller's (its
            // observation, for one), as without a hedge.
            // A small prefetch: hedged reads are bounded results, and the default (256) allocated a
            // 256-slot queue per read.
            Flux<T> detached = first.publish(Queues.XS_BUFFER_SIZE).autoConnect(2, firstRun::set);
            detached.subscribe(item -> { }, error -> { }, () -> { }, Context.of(context));
            return Flux.firstWithSignal(detached, second)
                    .doFinally(signal -> {
                        // The caller gave up before the hedge answered: the first attempt goes too. After the
                        // cancel has reached the race (doFinally, not doOnCancel): disposing the shared run fails
                        // its subscribers with "Disconnected", and the race must no longer be one of them, or the
                        // caller that went away gets that error (an HTTP request answered and logged as a 500).
                        Disposable run = firstRun.get();
                        if (signal == SignalType.CANCEL && !hedgeAnswered.get() && run != null) {
                            run.dispose();
                        }
                    });
        });
    }
}
