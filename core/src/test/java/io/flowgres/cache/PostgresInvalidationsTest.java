package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

final class PostgresInvalidationsTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(5);

    @Test
    void slowButAnsweredChecksKeepTheListenerAliveAndEachWaitFollowsTheLastCheck() {
        AtomicInteger checks = new AtomicInteger();
        // Each check answers just inside its bound: the stream must stay up, one check per wait plus check.
        StepVerifier.withVirtualTime(() -> PostgresInvalidations.heartbeats(HEARTBEAT, Schedulers.parallel(),
                        () -> Mono.delay(HEARTBEAT.minusMillis(1)).doOnSubscribe(started -> checks.incrementAndGet())
                                .then()))
                .expectSubscription()
                .thenAwait(HEARTBEAT.multipliedBy(2).minusMillis(1).multipliedBy(100))
                .expectNoEvent(Duration.ofMillis(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(checks.get()).isEqualTo(100);
    }

    @Test
    void aCheckThatNeverAnswersFailsTheStreamOneBoundAfterItsWait() {
        StepVerifier.withVirtualTime(() -> PostgresInvalidations.heartbeats(HEARTBEAT, Schedulers.parallel(),
                        Mono::never))
                .expectSubscription()
                .expectNoEvent(HEARTBEAT.multipliedBy(2).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aFailedCheckFailsTheStream() {
        StepVerifier.withVirtualTime(() -> PostgresInvalidations.heartbeats(HEARTBEAT, Schedulers.parallel(),
                        () -> Mono.error(new IllegalStateException("connection closed"))))
                .expectSubscription()
                .thenAwait(HEARTBEAT)
                .expectErrorMessage("connection closed")
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void fewTagsTravelInOneMessageAfterTheInstanceId() {
        assertThat(PostgresInvalidations.payloads("me", new LinkedHashSet<>(List.of("pitch:1", "user:2", "pitches"))))
                .containsExactly("me pitch:1 user:2 pitches");
        assertThat(PostgresInvalidations.payloads("me", Set.of())).isEmpty();
    }

    @Test
    void manyTagsAreSplitBelowThePayloadLimitWithoutLosingAny() {
        Set<String> tags = new LinkedHashSet<>();
        for (int i = 0; i < 3000; i++) {
            tags.add("pitch:" + i);
        }
        List<String> payloads = PostgresInvalidations.payloads("instance", tags);
        assertThat(payloads).hasSizeGreaterThan(1)
                .allSatisfy(payload -> assertThat(payload).startsWith("instance ")
                        .hasSizeLessThanOrEqualTo(PostgresInvalidations.MAX_PAYLOAD));
        Set<String> received = new LinkedHashSet<>();
        payloads.forEach(payload -> received.addAll(List.of(payload.substring("instance ".length()).split(" "))));
        assertThat(received).isEqualTo(tags);
    }
}
