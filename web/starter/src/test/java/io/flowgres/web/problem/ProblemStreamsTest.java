package io.flowgres.web.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;

final class ProblemStreamsTest {

    private static final UnavailableException UNAVAILABLE = new UnavailableException(
            "pitches.export: no node could take it", "pitches.export", null, null, Duration.ofMillis(2500), null);

    @Test
    void anNdjsonStreamFailingBeforeItsFirstRowIsAProblemWithItsStatusAndRetryAfter() {
        ndjson(Flux.error(UNAVAILABLE)).expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals("Retry-After", "3")
                .expectBody()
                .jsonPath("$.status").isEqualTo(503)
                .jsonPath("$.title").isEqualTo("Database unavailable");

        ndjson(Flux.error(new QueryTimeoutException("pitches.export: no answer", "pitches.export", "replica-1",
                        null, QueryTimeoutException.Phase.ACQUIRE, Duration.ofSeconds(2), null)))
                .expectStatus().isEqualTo(504)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().doesNotExist("Retry-After");

        ndjson(Flux.error(BadRequestException.forParameter("createdAfter", "createdAfter is out of range")))
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo("createdAfter");
    }

    @Test
    void anOverloadedStreamIsA503WithRetryAfter() {
        events(Flux.error(new OverloadedException("at most 4 exports run at once on this instance; retry later",
                        Duration.ofSeconds(5))))
                .expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals("Retry-After", "5")
                .expectBody()
                .jsonPath("$.title").isEqualTo("Service busy")
                .jsonPath("$.detail").isEqualTo("at most 4 exports run at once on this instance; retry later");
    }

    @Test
    void anNdjsonStreamFailingAfterItsFirstRowEndsWithAnErrorLine() {
        List<String> lines = ndjson(Flux.just(Map.of("id", 1), Map.of("id", 2)).concatWith(Flux.error(UNAVAILABLE)))
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(10));

        assertThat(lines).containsExactly("{\"id\":1}", "{\"id\":2}", "{\"error\":{\"type\":\"about:blank\","
                + "\"title\":\"Database unavailable\",\"status\":503,\"detail\":\"The database cannot take this "
                + "request right now; retry later.\",\"retryAfter\":3}}");
    }

    @Test
    void anEventStreamFailingAfterItsFirstRowEndsWithAnErrorEvent() {
        String body = events(Flux.just(Map.of("id", 1)).concatWith(Flux.error(new IllegalStateException("boom"))))
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(body).isEqualTo("data:{\"id\":1}\n\nevent:error\ndata:{\"type\":\"about:blank\",\"title\":"
                + "\"Internal error\",\"status\":500,\"detail\":\"The request failed.\"}\n\n");
    }

    @Test
    void aCompleteStreamHasNoErrorElement() {
        List<String> lines = ndjson(Flux.just(Map.of("id", 1))).expectStatus().isOk()
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(10));
        assertThat(lines).containsExactly("{\"id\":1}");

        String body = events(Flux.empty()).expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(body).isNull();
    }

    private static WebTestClient.ResponseSpec ndjson(Flux<?> rows) {
        return serve(MediaType.APPLICATION_NDJSON, ProblemStreams::ndjson, rows);
    }

    private static WebTestClient.ResponseSpec events(Flux<?> rows) {
        return serve(MediaType.TEXT_EVENT_STREAM, ProblemStreams::events, rows);
    }

    private static WebTestClient.ResponseSpec serve(MediaType type,
            Function<Flux<?>, BodyInserter<?, ? super org.springframework.http.server.reactive.ServerHttpResponse>> body,
            Flux<?> rows) {
        WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                .GET("/stream", request -> ServerResponse.ok().contentType(type).body(body.apply(rows)))
                .filter(ProblemResponses.filter())
                .build()).build();
        return client.get().uri("/stream").accept(type, MediaType.APPLICATION_PROBLEM_JSON).exchange();
    }
}
