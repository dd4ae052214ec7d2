package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
                        VirtualTimeScheduler.get()))
                .expectSubscription()
                .expectNoEvent(AFTER)
                .expectNext("hedge")
                .verifyComplete();
        first.assertWasCancelled();
    }

    @Test
    void answerBeforeTheDelayNeverStartsAHedge() {
        AtomicBoolean asked = new AtomicBoolean();

        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("first").delayElements(Duration.ofMillis(10)),
                        () -> {
                            asked.set(true);
                            return Mono.just(Flux.just("hedge"));
                        }, AFTER, VirtualTimeScheduler.get()))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext("first")
                .verifyComplete();
        assertThat(asked).isFalse();
    }

    @Test
    void hedgeFailingBeforeAnsweringLeavesTheFirstAttemptToDecide() {
        StepVerifier.withVirtualTime(() -> Hedging.race(Flux.just("first").delaySubscription(Duration.ofMillis(80)),
                        () -> Mono.just(Flux.<String>error(new IllegalStateException("hedge node down"))), AFTER,
                        VirtualTimeScheduler.get()))
                .thenAwait(Duration.ofMillis(80))
                .expectNext("first")
                .verifyComplete();
    }

    @Test
    void noHedgeAvailableLeavesTheFirstAttemptToDecide() {
        StepVerifier.withVirtualTime(() -> Hedging.race(
                        Flux.<String>error(new IllegalStateException("first failed")).delaySubscription(
                                Duration.ofMillis(90)),
                        Mono::empty, AFTER, VirtualTimeScheduler.get()))
                .thenAwait(Duration.ofMillis(90))
                .verifyErrorMessage("first failed");
    }
}
