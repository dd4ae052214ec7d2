package io.flowgres.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

final class RetryPolicyTest {

    @Test
    void presetsMatchTheDocumentedDefaults() {
        assertThat(RetryPolicy.reads()).extracting(RetryPolicy::maxAttempts, RetryPolicy::baseDelay,
                RetryPolicy::maxDelay, RetryPolicy::jitterMode)
                .containsExactly(3, Duration.ofMillis(50), Duration.ofSeconds(2), RetryPolicy.Jitter.FULL);
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
    void fullJitterDelaysStayWithinTheScheduleOfEachRetry() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(4).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(10)).build();
        SplittableRandom random = new SplittableRandom(7);

        for (int retry = 1; retry < policy.maxAttempts(); retry++) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(policy.delay(retry, random)).as("gap before retry %s", retry)
                        .isBetween(Duration.ZERO, Duration.ofSeconds(1L << (retry - 1)));
            }
        }
    }

    @Test
    void fullJitterIsTheDefaultDelay() {
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).build();

        for (int retry = 1; retry <= 5; retry++) {
            assertThat(policy.delay(retry, new SplittableRandom(retry)))
                    .isEqualTo(policy.fullJitterDelay(retry, new SplittableRandom(retry)));
        }
    }

    @Test
    void aZeroBackoffIsNoDelay() {
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ZERO).maxDelay(Duration.ZERO).build();

        assertThat(policy.delay(1, new SplittableRandom(1))).isZero();
        assertThat(policy.fullJitterDelay(3, new SplittableRandom(1))).isZero();
    }

    @Test
    void proportionalJitterNeverGoesBelowTheBaseDelay() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(10)).proportionalJitter(0.5).build();
        SplittableRandom random = new SplittableRandom(1);

        for (int retry = 1; retry < policy.maxAttempts(); retry++) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(policy.delay(retry, random)).as("no retry before the base delay")
                        .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void proportionalJitterSpreadsAroundTheBackoffAndStaysUnderTheCap() {
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofSeconds(1)).maxDelay(Duration.ofSeconds(5))
                .proportionalJitter(0.5).build();
        SplittableRandom random = new SplittableRandom(3);
        long below = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration delay = policy.delay(3, random);
            assertThat(delay).as("4 s +- 2 s, capped at 5 s").isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
            if (delay.compareTo(Duration.ofSeconds(4)) < 0) {
                below++;
            }
        }
        assertThat(below).as("uniform: about half below the backoff").isBetween(4_500L, 5_500L);
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
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.reads().backoff(0))
                .withMessage("retry must be >= 1, was 0");
    }
}
