package io.flowgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

class SignalHooksTest {

    /** Hooks that write what they saw, and what the subscriber had seen by then, to one log. */
    private static final class Recording extends SignalHooks<Integer> {

        final List<String> log;

        Recording(List<String> log) {
            this.log = log;
        }

        @Override
        protected void onItem(Integer item) {
            log.add("hook item " + item);
        }

        @Override
        protected void onComplete() {
            log.add("hook complete");
        }

        @Override
        protected Throwable onError(Throwable error) {
            log.add("hook error " + error.getMessage());
            return new IllegalStateException("mapped: " + error.getMessage(), error);
        }

        @Override
        protected void onCancel() {
            log.add("hook cancel");
        }
    }

    @Test
    void eachHookRunsBeforeItsSignalGoesOn() {
        List<String> log = new ArrayList<>();
        StepVerifier.create(SignalHooks.hooked(Flux.just(1, 2), new Recording(log))
                        .doOnNext(item -> log.add("got " + item))
                        .doOnComplete(() -> log.add("got complete")))
                .expectNext(1, 2)
                .verifyComplete();
        assertThat(log).containsExactly("hook item 1", "got 1", "hook item 2", "got 2", "hook complete",
                "got complete");
    }

    @Test
    void anErrorIsReplacedByWhatItsHookReturns() {
        List<String> log = new ArrayList<>();
        StepVerifier.create(SignalHooks.hooked(Flux.<Integer>error(new RuntimeException("boom")), new Recording(log)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(IllegalStateException.class)
                        .hasMessage("mapped: boom").hasCauseInstanceOf(RuntimeException.class))
                .verify();
        assertThat(log).containsExactly("hook error boom");
    }

    @Test
    void aCancelRunsItsHookThenReachesTheSource() {
        List<String> log = new ArrayList<>();
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(SignalHooks.hooked(source.flux(), new Recording(log)), 0)
                .then(() -> source.assertMinRequested(0))
                .thenRequest(3)
                .then(() -> source.assertMinRequested(3).next(7))
                .expectNext(7)
                .thenCancel()
                .verify();
        source.assertCancelled();
        assertThat(log).containsExactly("hook item 7", "hook cancel");
    }

    @Test
    void aHookThatThrowsFailsTheStreamAndCancelsItsSource() {
        TestPublisher<Integer> source = TestPublisher.create();
        SignalHooks<Integer> throwing = new SignalHooks<>() {
            @Override
            protected void onItem(Integer item) {
                throw new IllegalArgumentException("bad item " + item);
            }
        };
        StepVerifier.create(SignalHooks.hooked(source.flux(), throwing))
                .then(() -> source.next(5))
                .expectErrorMessage("bad item 5")
                .verify();
        source.assertCancelled();
    }

    @Test
    void theDefaultsPassEverySignalUnchanged() {
        StepVerifier.create(SignalHooks.hooked(Flux.just(1, 2, 3), new SignalHooks<Integer>() { }))
                .expectNext(1, 2, 3)
                .verifyComplete();
        RuntimeException error = new RuntimeException("as is");
        StepVerifier.create(SignalHooks.hooked(Flux.<Integer>error(error), new SignalHooks<Integer>() { }))
                .expectErrorMatches(passed -> passed == error)
                .verify();
    }

    @Test
    void aFailureFromOutsideCancelsTheSourceRunsTheCancelHookOnceAndFailsTheStream() {
        List<String> log = new ArrayList<>();
        TestPublisher<Integer> source = TestPublisher.create();
        Recording hooks = new Recording(log);
        StepVerifier.create(SignalHooks.hooked(source.flux(), hooks))
                .then(() -> source.next(1))
                .expectNext(1)
                .then(() -> hooks.fail(new IllegalStateException("due")))
                .expectErrorMessage("due")
                .verifyThenAssertThat()
                .hasNotDroppedErrors();
        source.assertCancelled();
        // The error went downstream without its hook: inside, the stream was cancelled.
        assertThat(log).containsExactly("hook item 1", "hook cancel");
        // Failed twice, or completed after it: nothing more happens.
        hooks.fail(new IllegalStateException("again"));
        assertThat(log).containsExactly("hook item 1", "hook cancel");
    }

    @Test
    void aFailureBeforeTheSubscriptionEndsTheStreamWhenItIsSubscribed() {
        TestPublisher<Integer> source = TestPublisher.create();
        SignalHooks<Integer> hooks = new SignalHooks<>() { };
        hooks.fail(new IllegalStateException("due before"));
        StepVerifier.create(SignalHooks.hooked(source.flux(), hooks))
                .expectErrorMessage("due before")
                .verify();
        source.assertCancelled();
    }

    @Test
    void aFailureWhileAnItemIsPassedOnFollowsTheItem() {
        List<String> log = new ArrayList<>();
        TestPublisher<Integer> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Recording hooks = new Recording(log);
        StepVerifier.create(SignalHooks.hooked(source.flux(), hooks)
                        // The failure comes while the item is in the subscriber's hands.
                        .doOnNext(item -> {
                            hooks.fail(new IllegalStateException("due during " + item));
                            log.add("got " + item);
                        }))
                .then(() -> source.next(1, 2))
                .expectNext(1)
                .expectErrorMessage("due during 1")
                .verifyThenAssertThat()
                // In flight when the failure cancelled the source: the caller's discard hook gets it.
                .hasDiscardedExactly(2)
                .hasNotDroppedElements();
        source.assertCancelled();
        assertThat(log).containsExactly("hook item 1", "got 1", "hook cancel");
    }

    @Test
    void anItemAfterTheSourcesOwnEndIsDroppedNotDiscarded() {
        TestPublisher<Integer> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        StepVerifier.create(SignalHooks.hooked(source.flux(), new SignalHooks<Integer>() { }))
                .then(() -> source.next(1).complete().next(2))
                .expectNext(1)
                .expectComplete()
                .verifyThenAssertThat()
                .hasDropped(2)
                .hasNotDiscardedElements();
    }

    @Test
    void aCompletionBeforeTheFailureWins() {
        List<String> log = new ArrayList<>();
        Recording hooks = new Recording(log);
        StepVerifier.create(SignalHooks.hooked(Flux.just(1), hooks))
                .expectNext(1)
                .verifyComplete();
        hooks.fail(new IllegalStateException("too late"));
        assertThat(log).containsExactly("hook item 1", "hook complete");
    }

    /**
     * A failure from another thread races items passed on one by one: the subscriber never sees two
     * signals at once, nor an item after the error, and sees exactly one terminal signal.
     */
    @Test
    void aFailureFromAnotherThreadIsSerializedWithTheItems() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 2_000; round++) {
                TestPublisher<Integer> source = TestPublisher.createNoncompliant(
                        TestPublisher.Violation.CLEANUP_ON_TERMINATE);
                SignalHooks<Integer> hooks = new SignalHooks<>() { };
                AtomicInteger inside = new AtomicInteger();
                AtomicInteger overlaps = new AtomicInteger();
                AtomicInteger terminals = new AtomicInteger();
                AtomicBoolean itemAfterEnd = new AtomicBoolean();
                SignalHooks.hooked(source.flux(), hooks).subscribe(new BaseSubscriber<>() {
                    @Override
                    protected void hookOnNext(Integer item) {
                        if (inside.getAndIncrement() != 0) {
                            overlaps.incrementAndGet();
                        }
                        if (terminals.get() != 0) {
                            itemAfterEnd.set(true);
                        }
                        for (int spin = 0; spin < 200; spin++) {
                            // A window wide enough for the failure to land inside an item's handling.
                            Thread.onSpinWait();
                        }
                        inside.decrementAndGet();
                    }

                    @Override
                    protected void hookOnError(Throwable error) {
                        if (inside.get() != 0) {
                            overlaps.incrementAndGet();
                        }
                        terminals.incrementAndGet();
                    }

                    @Override
                    protected void hookOnComplete() {
                        terminals.incrementAndGet();
                    }
                });
                Future<?> failing = other.submit(() -> hooks.fail(new IllegalStateException("due")));
                for (int item = 0; item < 50; item++) {
                    source.next(item);
                }
                failing.get();
                source.complete();
                assertThat(overlaps).as("signals at once, round " + round).hasValue(0);
                assertThat(itemAfterEnd).as("an item after the end, round " + round).isFalse();
                assertThat(terminals).as("terminal signals, round " + round).hasValue(1);
            }
        } finally {
            other.shutdownNow();
        }
    }
}
