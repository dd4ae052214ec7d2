package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Hung node or slow query, on virtual time: liveness checks decide, windows double while it answers. */
final class SilenceWatchdogTest {

    private static final Duration FIRST = Duration.ofMillis(50);
    private static final Duration CEILING = Duration.ofMillis(400);

    @Test
    void hungNodeFailsTheAttemptAfterOneWindowAndACheck() {
        StepVerifier.withVirtualTime(() -> SilenceWatchdog.watch(Flux.<String>never(), "replica-1", FIRST, CEILING,
                        () -> Mono.just(false), VirtualTimeScheduler.get()))
                .expectSubscription()
                .expectNoEvent(FIRST.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .verifyErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(SilenceWatchdog.NodeSilentException.class)
                        .hasMessage("replica-1 answered nothing for 50 ms and failed a liveness check"));
    }

    @Test
    void slowQueryOnALiveNodeIsLeftToFinishWithDoublingChecks() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> SilenceWatchdog.watch(
                        Mono.just("result").delayElement(Duration.ofMillis(1000)).flux(), "replica-1", FIRST, CEILING,
                        () -> Mono.fromSupplier(() -> checks.incrementAndGet() > 0), VirtualTimeScheduler.get()))
                .thenAwait(Duration.ofMillis(1000))
                .expectNext("result")
                .verifyComplete();
        // windows of 50, 100, 200 and 400 ms end within the second: four checks, not twenty
        assertThat(checks).hasValue(4);
    }

    @Test
    void everySignalStartsANewWindow() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> SilenceWatchdog.watch(Flux.interval(Duration.ofMillis(30)).take(10),
                        "replica-1", FIRST, CEILING, () -> {
                            checks.incrementAndGet();
                            return Mono.just(false);
                        }, VirtualTimeScheduler.get()))
                .thenAwait(Duration.ofMillis(300))
                .expectNextCount(10)
                .verifyComplete();
        assertThat(checks).as("rows every 30 ms never leave 50 ms of silence").hasValue(0);
    }

    @Test
    void nodeThatStopsAnsweringMidQueryIsFoundOnTheNextCheck() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> SilenceWatchdog.watch(Flux.<String>never(), "primary", FIRST, CEILING,
                        () -> Mono.just(checks.incrementAndGet() < 3), VirtualTimeScheduler.get()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(50 + 100 + 200))
                .verifyError(SilenceWatchdog.NodeSilentException.class);
        assertThat(checks).hasValue(3);
    }
}
