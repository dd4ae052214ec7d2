package io.flowgres.web.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Supplier;

import io.flowgres.query.ConflictException;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.QueryFailedException;
import io.flowgres.query.UnavailableException;
import org.junit.jupiter.api.Test;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;

final class ProblemResponsesTest {

    @Test
    void errorWithCyclicCausesStillBecomesAProblem() {
        IllegalStateException first = new IllegalStateException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);

        String body = failWith(() -> first).expectStatus().isEqualTo(500)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(body).contains("\"status\":500").contains("The request failed.");
    }

    @Test
    void bodiesNeverCarryStackTracesHostsUsersOrPasswords() {
        RuntimeException leaky = new RuntimeException("connect to db-1.internal:5432 as app password=hunter2 failed");

        String body = failWith(() -> leaky).expectStatus().isEqualTo(500).expectBody(String.class).returnResult()
                .getResponseBody();

        assertThat(body).doesNotContain("db-1", "hunter2", "app ", "at io.", "RuntimeException", "trace");
    }

    @Test
    void serverDataErrorsAreNotEchoedButOurValidationIs() {
        QueryFailedException fromServer = new QueryFailedException(
                "pitches.byId on replica-1: invalid input syntax for type integer: \"secret-value\" [22P02]",
                "pitches.byId", "replica-1", "22P02", null);

        String body = failWith(() -> fromServer).expectStatus().isBadRequest().expectBody(String.class)
                .returnResult().getResponseBody();
        assertThat(body).doesNotContain("secret-value", "replica-1").contains("cannot accept");

        failWith(() -> BadRequestException.forParameter("limit", "limit must be from 1 to 200"))
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.parameter").isEqualTo("limit")
                .jsonPath("$.detail").isEqualTo("limit must be from 1 to 200");
    }

    @Test
    void unavailableIsA503WithRetryAfterInWholeSeconds() {
        failWith(() -> new UnavailableException("primary unavailable for q: circuit breaker open", "q", "primary", null,
                        Duration.ofMillis(1200), null))
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals("Retry-After", "2")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(503);
    }

    @Test
    void anOverloadedInstanceIsA503WithRetryAfterAndItsOwnMessage() {
        failWith(() -> new OverloadedException("at most 4 exports run at once on this instance; retry later",
                        Duration.ofSeconds(5)))
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals("Retry-After", "5")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Service busy")
                .jsonPath("$.detail").isEqualTo("at most 4 exports run at once on this instance; retry later");
    }

    @Test
    void timeoutsAre504AndConflictsAre409() {
        failWith(() -> new QueryTimeoutException("q: no pooled connection", "q", "primary", null,
                QueryTimeoutException.Phase.ACQUIRE, Duration.ofSeconds(2), null))
                .expectStatus().isEqualTo(504).expectBody().jsonPath("$.status").isEqualTo(504);
        failWith(() -> new ConflictException("q: duplicate key [23505]", "q", "primary", "23505", null))
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.detail")
                .isEqualTo("The request conflicts with existing data.");
        failWith(() -> new ConflictException("q: could not serialize [40001]", "q", "primary", "40001", null))
                .expectStatus().isEqualTo(409);
    }

    @Test
    void aBodyOverTheCodecLimitIsA413EvenWhenWrapped() {
        failWith(() -> new ServerWebInputException("Failed to read HTTP message", null,
                new DecodingException("decoding failed", new DataBufferLimitException("Exceeded limit on max bytes"))))
                .expectStatus().isEqualTo(413)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(413);
    }

    private static WebTestClient.ResponseSpec failWith(Supplier<Throwable> error) {
        WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                .GET("/fail", request -> Mono.error(error.get()))
                .filter(ProblemResponses.filter())
                .build()).build();
        return client.get().uri("/fail").exchange();
    }
}
