package io.flowgres.reference.pitches;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.paging.ExportLimiter;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.web.routing.ConsistencyTokenSigner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Input hygiene through the demo's real routes: control characters in any text field or query
 * parameter, and forged consistency tokens, are 400 problems naming the field, refused before the
 * database is reached (the facade points at a port where nothing listens). And an export whose
 * database cannot be reached answers a 503 problem, not a bare error.
 */
final class InputHygieneTest {

    private static final String SECRET = "unit-test-secret-of-16";
    private static final String GOOD = "{\"ownerId\":1,\"title\":\"T\",\"logline\":\"L\",\"genre\":\"drama\","
            + "\"format\":\"short\",\"productionStage\":\"idea\"}";

    private final Flowgres flowgres = Flowgres.builder(ClusterConfig.builder()
            .primary("r2dbc:postgresql://127.0.0.1:1/app").credentials("app", "unused").build()).probing(false).build();
    private final PitchStore pitches = TestStores.pitches(flowgres,
            new CursorCodec(SECRET.getBytes(StandardCharsets.UTF_8)));
    private final ConsistencyHeader consistency = new ConsistencyHeader(
            new ConsistencyTokenSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    private final WebTestClient client = WebTestClient.bindToRouterFunction(
            new DemoConfiguration().demoRoutes(pitches, consistency, new ExportLimiter(1), JsonMapper.shared(), 10)
                    .and(new PitchEditConfiguration().pitchEditRoutes(pitches, consistency, JsonMapper.shared()))
                    .and(new UserConfiguration().userRoutes(TestStores.users(flowgres),
                            consistency)))
            .configureClient().responseTimeout(Duration.ofSeconds(30)).build();

    @AfterEach
    void close() {
        flowgres.close();
    }

    @Test
    void aControlCharacterInAnyTextFieldIsABadRequestNamingTheField() {
        expectPost("/api/pitches", GOOD.replace("\"T\"", "\"Night\\u001fShift\""), "title",
                "title must not contain control characters (U+0000-U+001F, U+007F-U+009F), found U+001F at index 5");
        expectPost("/api/pitches", GOOD.replace("\"L\"", "\"Two\\nlines\""), "logline",
                "logline must not contain control characters (U+0000-U+001F, U+007F-U+009F), found U+000A at index 3");
        expectPost("/api/pitches", GOOD.replace("\"drama\"", "\"drama\\u0000\""), "genre",
                "genre must not contain control characters (U+0000-U+001F, U+007F-U+009F), found U+0000 at index 5");
        expectPost("/api/pitches", GOOD.replace("\"T\"", "\"\\ud800\""), "title",
                "title must be valid Unicode text, found the unpaired surrogate U+D800 at index 0");
        expectPost("/api/pitches/batch", "[" + GOOD + "," + GOOD + "," + GOOD + ","
                        + GOOD.replace("\"T\"", "\"Tab\\there\"") + "]", "items[3].title",
                "items[3].title must not contain control characters (U+0000-U+001F, U+007F-U+009F), found U+0009 "
                        + "at index 3");
        client.patch().uri("/api/pitches/5").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"logline\":\"C1 \\u0085 control\"}").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo("logline")
                .jsonPath("$.detail").isEqualTo("logline must not contain control characters (U+0000-U+001F, "
                        + "U+007F-U+009F), found U+0085 at index 3");
    }

    @Test
    void aControlCharacterInAnyQueryParameterIsABadRequestNamingIt() {
        for (String parameter : new String[] {"q", "status", "genre", "format", "stage", "owner", "createdAfter",
            "createdBefore", "sort", "limit", "cursor"}) {
            for (String path : new String[] {"/api/pitches", "/api/pitches/export"}) {
                if (path.endsWith("export") && (parameter.equals("limit") || parameter.equals("cursor"))) {
                    continue;
                }
                client.get().uri(URI.create("http://localhost" + path + "?" + parameter + "=x%7F")).exchange()
                        .expectStatus().isBadRequest()
                        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectBody().jsonPath("$.parameter").isEqualTo(parameter)
                        .jsonPath("$.detail").isEqualTo(parameter + " must not contain control characters "
                                + "(U+0000-U+001F, U+007F-U+009F), found U+007F at index 1");
            }
        }
    }

    @Test
    void datesBeyondYear9999AreRefusedBeforeTheDatabase() {
        client.get().uri(URI.create("http://localhost/api/pitches?createdAfter=%2B10000-01-01T00:00Z")).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.parameter").isEqualTo("createdAfter")
                .jsonPath("$.detail").isEqualTo("createdAfter must be an ISO-8601 date or date-time from year 1 to "
                        + "9999 such as 2026-01-31 or 2026-01-31T12:00:00Z, was '+10000-01-01T00:00Z'");
    }

    @Test
    void aForgedConsistencyTokenIsABadRequestOnEveryRead() {
        for (String path : new String[] {"/api/pitches", "/api/pitches/export", "/api/pitches/7", "/api/users/7"}) {
            client.get().uri(path).header(ConsistencyHeader.NAME, "7FFFFFFF/FFFFFFFF").exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.parameter").isEqualTo(ConsistencyHeader.NAME);
        }
        client.get().uri("/api/pitches").header(ConsistencyHeader.NAME, "0/1.AAAAAAAAAAAAAAAAAAAAAA",
                        "0/2.AAAAAAAAAAAAAAAAAAAAAA").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").isEqualTo("Flowgres-Consistency must be sent at most once, was "
                        + "sent 2 times");
    }

    @Test
    void anExportWhoseDatabaseCannotBeReachedIsA503ProblemWithRetryAfter() {
        Map<String, Object> problem = client.get().uri("/api/pitches/export").accept(MediaType.APPLICATION_NDJSON)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().exists("Retry-After")
                .expectBody(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();

        assertThat(problem).containsEntry("status", 503).containsEntry("title", "Database unavailable");
    }

    private void expectPost(String path, String body, String parameter, String detail) {
        client.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo(parameter)
                .jsonPath("$.detail").isEqualTo(detail);
    }
}
