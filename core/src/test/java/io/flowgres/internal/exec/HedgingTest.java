package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
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

    /** Hedge delays on the virtual time of the test's {@link StepVerifier#withVirtualTime}. */
    private static HedgeDelays delays() {
        return delays(VirtualTimeScheduler.get());
    }

    private static HedgeDelays delays(VirtualTimeScheduler time) {
        return new HedgeDelays(time, () -> time.now(TimeUnit.NANOSECONDS));
    }
}
