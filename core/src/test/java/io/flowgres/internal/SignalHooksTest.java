package io.flowgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
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
}
