package io.flowgres.web.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import io.flowgres.web.problem.OverloadedException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;

final class ExportLimiterTest {

    @Test
    void anExportOverTheLimitFailsAtOnceWithoutTouchingItsSource() {
        ExportLimiter limiter = new ExportLimiter(2);
        PublisherProbe<Integer> first = PublisherProbe.of(Flux.never());
        PublisherProbe<Integer> second = PublisherProbe.of(Flux.never());
        PublisherProbe<Integer> third = PublisherProbe.of(Flux.just(3));
        Disposable firstRunning = limiter.limit(first.flux()).subscribe();
        Disposable secondRunning = limiter.limit(second.flux()).subscribe();
        assertThat(limiter.running()).isEqualTo(2);

        limiter.limit(third.flux()).as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(OverloadedException.class)
                        .hasMessage("at most 2 exports run at once on this instance; retry later")
                        .extracting(e -> ((OverloadedException) e).retryAfter()).isEqualTo(Duration.ofSeconds(5)))
                .verify(Duration.ofSeconds(5));

        third.assertWasNotSubscribed();
        assertThat(limiter.running()).isEqualTo(2);
        firstRunning.dispose();
        first.assertWasCancelled();
        assertThat(limiter.running()).isEqualTo(1);
        limiter.limit(third.flux()).as(StepVerifier::create).expectNext(3).verifyComplete();
        secondRunning.dispose();
        assertThat(limiter.running()).isZero();
    }

    @Test
    void aPermitComesBackOnCompletionErrorAndCancellationAndOnlyOnce() {
        ExportLimiter limiter = new ExportLimiter(1);

        limiter.limit(Flux.just(1, 2)).as(StepVerifier::create).expectNext(1, 2).verifyComplete();
        assertThat(limiter.running()).isZero();

        limiter.limit(Flux.just(1).concatWith(Flux.error(new IllegalStateException("lost"))))
                .as(StepVerifier::create).expectNext(1).verifyErrorMessage("lost");
        assertThat(limiter.running()).isZero();

        PublisherProbe<Integer> cancelled = PublisherProbe.of(Flux.never());
        limiter.limit(cancelled.flux()).as(StepVerifier::create)
                .expectSubscription()
                .then(() -> assertThat(limiter.running()).isEqualTo(1))
                .thenCancel().verify(Duration.ofSeconds(5));
        cancelled.assertWasCancelled();
        assertThat(limiter.running()).isZero();

        limiter.limit(Flux.just(9)).as(StepVerifier::create).expectNext(9).verifyComplete();
        assertThat(limiter.running()).isZero();
    }

    @Test
    void theLimitIsCheckedAndItsDefaultIsFour() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ExportLimiter(0))
                .withMessage("exportLimit must be between 1 and 1000, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> new ExportLimiter(1001))
                .withMessage("exportLimit must be between 1 and 1000, was 1001");
        assertThat(ExportLimiter.DEFAULT_LIMIT).isEqualTo(4);
        assertThat(new ExportLimiter(ExportLimiter.DEFAULT_LIMIT).limit()).isEqualTo(4);
    }
}
