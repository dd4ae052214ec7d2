package io.flowgres.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

final class RetryPolicyTest {

    @Test
    void presetsMatchTheDocumentedDefaults() {
        assertThat(RetryPolicy.reads()).extracting(RetryPolicy::maxAttempts, RetryPolicy::baseDelay,
                RetryPolicy::maxDelay, RetryPolicy::jitterMode)
                .containsExactly(3, Duration.ofMillis(50), Duration.ofSeconds(2), JitterMode.FULL);
        assertThat(RetryPolicy.writes().baseDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(RetryPolicy.transactions()).extracting(RetryPolicy::maxAttempts, RetryPolicy::baseDelay,
                RetryPolicy::maxDelay).containsExactly(5, Duration.ofMillis(100), Duration.ofSeconds(2));
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
        assertThat(RetryPolicy.reads().multiplier()).isEqualTo(2.0);
    }

    @Test
    void backoffGrowsExponentiallyUpToTheCap() {
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).multiplier(3)
                .maxDelay(Duration.ofSeconds(1)).build();

        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(300));
        assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(900));
        assertThat(policy.backoff(4)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(60)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fullJitterStaysWithinZeroAndTheBackoff() {
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).build();
        SplittableRandom random = new SplittableRandom(42);
        long below = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration delay = policy.fullJitterDelay(2, random);
            assertThat(delay).isBetween(Duration.ZERO, Duration.ofMillis(200));
            if (delay.compareTo(Duration.ofMillis(100)) < 0) {
                below++;
            }
        }
        assertThat(below).as("uniform: about half below the midpoint").isBetween(4_500L, 5_500L);
    }

    @Test
    void fullJitterRetriesOnVirtualTimeWithinTheScheduleAndStopsAtMaxAttempts() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(4).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(10)).build();
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger attempts = new AtomicInteger();
        List<Long> attemptTimes = new ArrayList<>();
        Mono<String> failing = Mono.defer(() -> {
            attempts.incrementAndGet();
            attemptTimes.add(scheduler.now(java.util.concurrent.TimeUnit.MILLISECONDS));
            return Mono.<String>error(new IllegalStateException("transient"));
        });

        StepVerifier.withVirtualTime(() -> failing.retryWhen(policy.toRetry(error -> true, signal -> { },
                        scheduler, new SplittableRandom(7))), () -> scheduler, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(1 + 2 + 4))
                .expectErrorMessage("transient")
                .verify(Duration.ofSeconds(5));

        assertThat(attempts).hasValue(4);
        for (int retry = 1; retry <= 3; retry++) {
            long gap = attemptTimes.get(retry) - attemptTimes.get(retry - 1);
            assertThat(gap).as("gap before retry %s", retry).isBetween(0L, 1000L << (retry - 1));
        }
    }

    @Test
    void proportionalJitterNeverGoesBelowTheBaseDelay() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(10)).proportionalJitter(0.5).build();
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger attempts = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Mono.defer(() -> {
                            attempts.incrementAndGet();
                            return Mono.<String>error(new IllegalStateException("down"));
                        }).retryWhen(policy.toRetry(error -> true, signal -> { }, scheduler, new SplittableRandom(1))),
                        () -> scheduler, Long.MAX_VALUE)
                .thenAwait(Duration.ofMillis(999))
                .then(() -> assertThat(attempts).as("no retry before the base delay").hasValue(1))
                .thenAwait(Duration.ofSeconds(10))
                .expectErrorMessage("down")
                .verify(Duration.ofSeconds(5));
        assertThat(attempts).hasValue(3);
    }

    @Test
    void aNonRetryableErrorFailsAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        List<Throwable> retried = new ArrayList<>();
        Mono.defer(() -> {
                    attempts.incrementAndGet();
                    return Mono.<String>error(new IllegalArgumentException("bad sql"));
                })
                .retryWhen(RetryPolicy.reads().toRetry(error -> !(error instanceof IllegalArgumentException),
                        signal -> retried.add(signal.failure()), VirtualTimeScheduler.create(), new SplittableRandom()))
                .as(StepVerifier::create)
                .expectErrorMessage("bad sql")
                .verify(Duration.ofSeconds(5));
        assertThat(attempts).hasValue(1);
        assertThat(retried).isEmpty();
    }

    @Test
    void badValuesAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
                .withMessage("maxAttempts must be between 1 and 100, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
                .withMessage("multiplier must be >= 1, was 0.5");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().proportionalJitter(2))
                .withMessage("jitterFactor must be between 0 and 1, was 2.0");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofMillis(-1)))
                .withMessage("baseDelay must not be negative, was PT-0.001S");
        assertThatIllegalStateException()
                .isThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofSeconds(5)).maxDelay(Duration.ofSeconds(1))
                        .build())
                .withMessage("maxDelay must be >= baseDelay, was maxDelay=PT1S, baseDelay=PT5S");
    }
}
