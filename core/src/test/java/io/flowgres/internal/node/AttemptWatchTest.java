package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.flowgres.internal.SignalHooks;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Deadlines, and hung node or slow query, on virtual time: liveness checks decide, windows double
 * while the node answers, a deadline ends the attempt, and the sweeps stop when nothing runs.
 */
final class AttemptWatchTest {

    private static final Duration FIRST = Duration.ofMillis(50);
    private static final Duration CEILING = Duration.ofMillis(400);

    @Test
    void hungNodeFailsTheAttemptAfterOneWindowAndACheck() {
        StepVerifier.withVirtualTime(() -> watched(watch("replica-1", () -> Mono.just(false))
                        .start(null, FIRST), Flux.<String>never()))
                .expectSubscription()
                .expectNoEvent(FIRST.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .verifyErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(AttemptWatch.NodeSilentException.class)
                        .hasMessage("replica-1 answered nothing for 50 ms and failed a liveness check"));
    }

    @Test
    void slowQueryOnALiveNodeIsLeftToFinishWithDoublingChecks() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> watched(watch("replica-1", () -> Mono.fromSupplier(() -> checks.incrementAndGet() > 0))
                        .start(null, FIRST), Mono.just("result").delayElement(Duration.ofMillis(1000)).flux()))
                .thenAwait(Duration.ofMillis(1000))
                .expectNext("result")
                .verifyComplete();
        // windows of 50, 100, 200 and 400 ms end within the second: four checks, not twenty
        assertThat(checks).hasValue(4);
    }

    @Test
    void everySignalStartsANewWindow() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> watched(watch("replica-1", () -> {
                            checks.incrementAndGet();
                            return Mono.just(false);
                        }).start(null, FIRST), Flux.interval(Duration.ofMillis(30)).take(10)))
                .thenAwait(Duration.ofMillis(300))
                .expectNextCount(10)
                .verifyComplete();
        assertThat(checks).as("rows every 30 ms never leave 50 ms of silence").hasValue(0);
    }

    @Test
    void nodeThatStopsAnsweringMidQueryIsFoundOnTheNextCheck() {
        AtomicInteger checks = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> watched(watch("primary", () -> Mono.just(checks.incrementAndGet() < 3))
                        .start(null, FIRST), Flux.<String>never()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(50 + 100 + 200))
                .verifyError(AttemptWatch.NodeSilentException.class);
        assertThat(checks).hasValue(3);
    }

    @Test
    void anAttemptPastItsDeadlineFailsWithATimeoutEvenWhileItsRowsFlow() {
        StepVerifier.withVirtualTime(() -> watched(watch("replica-1", () -> Mono.just(true))
                        .start(Duration.ofMillis(500), FIRST), Flux.interval(Duration.ofMillis(10))))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(499))
                .expectNextCount(49)
                .thenAwait(Duration.ofMillis(1))
                .expectNextCount(1)
                .verifyErrorSatisfies(error -> assertThat(error).isExactlyInstanceOf(TimeoutException.class)
                        .hasMessage("'flowgres.attempt' on replica-1 did not end within its deadline of 500 ms"));
    }

    @Test
    void aWaitForAPooledConnectionFailsAsThePoolsOwnBoundDidAndAQuickOneIsLetGo() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        AttemptWatch watch = new AttemptWatch("replica-1", CEILING, () -> Mono.just(true), time,
                () -> time.now(TimeUnit.NANOSECONDS));

        AttemptWatch.Watch waiting = watch.startAcquire(Duration.ofMillis(300));
        StepVerifier.create(waiting.bound(Mono.<String>never(), new SignalHooks<>() { }))
                .expectSubscription()
                .then(() -> time.advanceTimeBy(Duration.ofMillis(299)))
                .expectNoEvent(Duration.ZERO)
                .then(() -> time.advanceTimeBy(AttemptWatch.TICK))
                .verifyErrorSatisfies(error -> assertThat(error).isExactlyInstanceOf(R2dbcTimeoutException.class)
                        .hasMessage("Connection acquisition from replica-1 timed out after 300ms"));

        AttemptWatch.Watch quick = watch.startAcquire(Duration.ofMillis(300));
        StepVerifier.create(quick.bound(Mono.just("connection"), new SignalHooks<>() { }))
                .expectNext("connection")
                .verifyComplete();
        // Ended: the next sweep lets it go and nothing is watched any more, so the sweeps stop.
        time.advanceTimeBy(Duration.ofSeconds(10));
        long scheduled = time.getScheduledTaskCount();
        time.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(time.getScheduledTaskCount()).as("sweeps scheduled while nothing waits").isEqualTo(scheduled);
    }

    @Test
    void sweepsStopWhenNothingRunsAndStartAgainWithTheNextAttempt() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        AttemptWatch watch = new AttemptWatch("replica-1", CEILING, () -> Mono.just(false), time,
                () -> time.now(TimeUnit.NANOSECONDS));

        StepVerifier.create(watched(watch.start(Duration.ofSeconds(1), FIRST), Mono.just("quick").flux()))
                .expectNext("quick")
                .verifyComplete();
        // The attempt ended: the next sweep lets it go, and the sweeps stop.
        time.advanceTimeBy(AttemptWatch.TICK);
        assertThat(time.getScheduledTaskCount()).as("sweeps scheduled, in all").isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(time.getScheduledTaskCount()).as("no sweep while nothing runs").isEqualTo(1);

        StepVerifier.create(watched(watch.start(Duration.ofSeconds(1), null), Flux.<String>never()))
                .expectSubscription()
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(1)))
                .verifyError(TimeoutException.class);
    }

    /** An attempt bound to its watch, with hooks that do nothing of their own. */
    private static <T> Flux<T> watched(AttemptWatch.Watch watch, Flux<T> attempt) {
        return watch.bound(attempt, new SignalHooks<>() { });
    }

    /** A watch on the virtual time of the test's {@link StepVerifier#withVirtualTime}. */
    private static AttemptWatch watch(String node, Supplier<Mono<Boolean>> alive) {
        VirtualTimeScheduler time = VirtualTimeScheduler.get();
        return new AttemptWatch(node, CEILING, alive, time, () -> time.now(TimeUnit.NANOSECONDS));
    }
}
