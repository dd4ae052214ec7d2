package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The hedge on virtual time: it may only make a read faster, never fail it. */
final class HedgingTest {

    private static final Duration AFTER = Duration.ofMillis(50);

    @Test
    void hedgeAnswersWhenTheFirstAttemptHangs() {
        PublisherProbe<String> first = PublisherProbe.of(Flux.never());

        StepVerifier.withVirtualTime(() -> Hedging.race(first.flux(), () -> Mono.just(Flux.just("hedge")), AFTER,
                        delays()))
                .expectSubscription()
                .expectNoEvent(AFTER)
                .expectNext("hedge")
                .verifyComplete();
        first.assertWasNotCancelled(); // left to end by itself: a stalled node's statement cannot settle
    }

    @Test
    void theFirstAttemptBeatenByTheHedgeRunsToItsEndAndItsRowsAreDropped() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        AtomicBoolean firstEnded = new AtomicBoolean();
        Flux<String> first = Mono.delay(Duration.ofMillis(300), time).map(tick -> "late").flux()
                .doOnComplete(() -> firstEnded.set(true));
        List<String> seen = new ArrayList<>();
        AtomicBoolean completed = new AtomicBoolean();

        Hedging.race(first, () -> Mono.just(Flux.just("hedge")), AFTER, delays(time))
                .subscribe(seen::add, error -> { }, () -> completed.set(true));
        time.advanceTimeBy(AFTER);
        assertThat(seen).containsExactly("hedge");
        assertThat(completed).isTrue();
        assertThat(firstEnded).as("still running").isFalse();

        time.advanceTimeBy(Duration.ofMillis(300));
        assertThat(firstEnded).as("the first attempt ran to its end").isTrue();
        assertThat(seen).as("its row was dropped").containsExactly("hedge");
    }

    @Test
    void aCallerCancellingBeforeTheHedgeAnswersCancelsTheFirstAttemptToo() {
        PublisherProbe<String> first = PublisherProbe.of(Flux.never());

        StepVerifier.withVirtualTime(() -> Hedging.race(first.flux(), () -> Mono.just(Flux.<String>never()), AFTER,
                        delays()))
                .expectSubscription()
                .thenAwait(AFTER.multipliedBy(2))
                .thenCancel()
                .verify();
        first.assertWasCancelled();
    }

    @Test
    void aCallerThatCancelsIsSentNoErrorAfterwards() {
        // Cancelling the first attempt's shared run fails its subscribers with "Disconnected": a caller
        // that went away (an HTTP client that disconnected) must not be among them, or its cancelled
        // request is answered, and logged, as an unexpected error.
        for (Duration cancelAfter : List.of(Duration.ofMillis(10), AFTER.multipliedBy(2))) {
            VirtualTimeScheduler time = VirtualTimeScheduler.create();
            List<Throwable> errors = new ArrayList<>();
            AtomicReference<Subscription> subscription = new AtomicReference<>();
            // A plain subscriber, as many an operator downstream is: it does not drop what comes after its cancel.
            Hedging.race(Flux.<String>never(), () -> Mono.just(Flux.<String>never()), AFTER, delays(time))
                    .subscribe(new Subscriber<String>() {
                        @Override
                        public void onSubscribe(Subscription s) {
                            subscription.set(s);
                            s.request(Long.MAX_VALUE);
                        }

                        @Override
                        public void onNext(String item) {
                        }

                        @Override
                        public void onError(Throwable error) {
                            errors.add(error);
                        }

                        @Override
                        public void onComplete() {
                        }
                    });
            time.advanceTimeBy(cancelAfter);
            subscription.get().cancel();
            time.advanceTimeBy(AFTER);
            assertThat(errors).as("signals after cancelling at %s", cancelAfter).isEmpty();
        }
    }

    @Test
    void answerBeforeTheDelayNeverStartsAHedge() {
        AtomicBoolean asked = new AtomicBoolean();

        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("first").delayElements(Duration.ofMillis(10)),
                        () -> {
                            asked.set(true);
                            return Mono.just(Flux.just("hedge"));
                        }, AFTER, delays()))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext("first")
                .verifyComplete();
        assertThat(asked).isFalse();
    }

    @Test
    void hedgeFailingBeforeAnsweringLeavesTheFirstAttemptToDecide() {
        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("first").delaySubscription(Duration.ofMillis(80)),
                        () -> Mono.just(Flux.<String>error(new IllegalStateException("hedge node down"))), AFTER,
                        delays()))
                .thenAwait(Duration.ofMillis(80))
                .expectNext("first")
                .verifyComplete();
    }

    @Test
    void noHedgeAvailableLeavesTheFirstAttemptToDecide() {
        StepVerifier.withVirtualTime(() -> Hedging.race(
                        Flux.<String>error(new IllegalStateException("first failed")).delaySubscription(
                                Duration.ofMillis(90)),
                        Mono::empty, AFTER, delays()))
                .thenAwait(Duration.ofMillis(90))
                .verifyErrorMessage("first failed");
    }

    @Test
    void eachRunGetsTheCallersDemandAndNoMore() {
        // The first attempt answers before the delay, one row per request.
        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("a", "b", "c"), Mono::empty, AFTER, delays()), 0)
                .expectSubscription()
                .thenRequest(1)
                .expectNext("a")
                .thenAwait(AFTER.multipliedBy(2))
                .expectNoEvent(AFTER)
                .thenRequest(2)
                .expectNext("b", "c")
                .verifyComplete();
        // The hedge answers, with what the caller asked for before it started and after.
        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.<String>never(),
                        () -> Mono.just(Flux.just("x", "y", "z")), AFTER, delays()), 0)
                .expectSubscription()
                .thenRequest(1)
                .thenAwait(AFTER)
                .expectNext("x")
                .expectNoEvent(AFTER)
                .thenRequest(5)
                .expectNext("y", "z")
                .verifyComplete();
    }

    @Test
    void aHedgeStillStartingWhenTheFirstAttemptAnswersIsCancelled() {
        PublisherProbe<Flux<String>> start = PublisherProbe.of(Mono.never());

        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("first").delaySubscription(Duration.ofMillis(80)),
                        start::mono, AFTER, delays()))
                .thenAwait(Duration.ofMillis(80))
                .expectNext("first")
                .verifyComplete();
        start.assertWasSubscribed();
        start.assertWasCancelled();
    }

    /** Hedge delays on the virtual time of the test's {@link StepVerifier#withVirtualTime}. */
    private static HedgeDelays delays() {
        return delays(VirtualTimeScheduler.get());
    }

    private static HedgeDelays delays(VirtualTimeScheduler time) {
        return new HedgeDelays(time, () -> time.now(TimeUnit.NANOSECONDS));
    }
}
