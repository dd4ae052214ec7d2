package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A hedged read: the first attempt runs; if it has not signalled anything after a delay, a second
 * one starts (on another node), and whichever signals first wins while the other is cancelled.
 *
 * <p>A hedge that cannot start (no other node, no budget, no time) or that fails before answering
 * leaves the decision to the first attempt alone: a hedge may only make a read faster, never fail
 * it. Cancelled work is settled by its node, so a losing attempt still returns its connection.
 */
final class Hedging {

    private Hedging() {
    }

    /**
     * Races an attempt against a delayed hedge.
     *
     * @param first the first attempt
     * @param hedge the hedge, asked for only when the delay passes; an empty result means no hedge
     * @param after the delay
     * @param timer the scheduler of the delay
     * @param <T> the result type
     * @return the winner's signals
     */
    static <T> Flux<T> race(Flux<T> first, Supplier<Mono<Flux<T>>> hedge, Duration after, Scheduler timer) {
        return Flux.defer(() -> {
            AtomicBoolean hedgeAnswered = new AtomicBoolean();
            Flux<T> second = Mono.delay(after, timer)
                    .flatMap(tick -> hedge.get())
                    .flatMapMany(attempt -> attempt
                            .doOnNext(item -> hedgeAnswered.set(true))
                            .onErrorResume(error -> hedgeAnswered.get() ? Flux.error(error) : Flux.never()))
                    .switchIfEmpty(Flux.never());
            return Flux.firstWithSignal(first, second);
        });
    }
}
