package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.local.PostgresCluster;
import io.flowgres.routing.Route;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/**
 * {@code POST /api/pitches/batch} on a real cluster: a valid batch is stored by one statement, comes
 * back in input order with a consistency token under which every new pitch is readable, and drops
 * the cached profile of every owner; a batch with one bad row stores nothing; bad input is a problem
 * naming the item and field, or {@code items}.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class BatchInsertIT {

    private static final int PITCHES = 1000;
    private static final String[] GENRES = {"drama", "comedy", "thriller", "horror", "scifi", "documentary",
        "animation", "romance"};

    @AutoClose
    private ReferenceService service;
    private WebTestClient client;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        service = ReferenceService.start(cluster, PITCHES);
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aValidBatchIsOneStatementAndEveryPitchIsReadableWithItsToken() {
        Flowgres flowgres = service.bean(Flowgres.class);
        String marker = marker();
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            items.add(item(marker, i, 1 + i % 100));
        }
        long attemptsBefore = attempts(flowgres, "pitches.createBatch");

        EntityExchangeResult<List<Map<String, Object>>> created = client.post().uri("/api/pitches/batch")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(items)
                .exchange().expectStatus().isCreated()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() { }).returnResult();

        assertThat(attempts(flowgres, "pitches.createBatch") - attemptsBefore).as("one statement for 200 rows")
                .isEqualTo(1);
        String token = created.getResponseHeaders().getFirst(ConsistencyHeader.NAME);
        assertThat(token).as("a signed token").matches("[0-9A-F]+/[0-9A-F]+\\.[A-Za-z0-9_-]{22}");
        List<Map<String, Object>> pitches = created.getResponseBody();
        assertThat(pitches).hasSize(200);
        assertThat(pitches).extracting(pitch -> pitch.get("title")).as("input order")
                .containsExactlyElementsOf(items.stream().map(item -> item.get("title")).toList());
        assertThat(pitches).extracting(pitch -> ((Number) pitch.get("ownerId")).longValue())
                .containsExactlyElementsOf(items.stream().map(item -> ((Number) item.get("ownerId")).longValue())
                        .toList());
        assertThat(pitches).allSatisfy(pitch -> assertThat(pitch.get("status")).isEqualTo("draft"));
        assertThat(countOnPrimary(marker)).isEqualTo(200);

        for (Map<String, Object> pitch : pitches) {
            client.get().uri("/api/pitches/{id}", pitch.get("id")).header(ConsistencyHeader.NAME, token).exchange()
                    .expectStatus().isOk().expectBody().jsonPath("$.title").isEqualTo(pitch.get("title"));
        }
    }

    @Test
    void aBatchInvalidatesTheCachedProfileOfEveryOwner() {
        Flowgres flowgres = service.bean(Flowgres.class);
        int before21 = profilePitches(21);
        int before22 = profilePitches(22);
        long reads = attempts(flowgres, "users.byId");
        assertThat(profilePitches(21) + profilePitches(22)).isEqualTo(before21 + before22);
        assertThat(attempts(flowgres, "users.byId")).as("both profiles are cached").isEqualTo(reads);
        String marker = marker();

        client.post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(List.of(item(marker, 0, 21), item(marker, 1, 22), item(marker, 2, 21)))
                .exchange().expectStatus().isCreated().expectBody(Void.class);

        assertThat(profilePitches(21)).as("owner 21's cached profile was dropped").isEqualTo(before21 + 2);
        assertThat(profilePitches(22)).as("owner 22's cached profile was dropped").isEqualTo(before22 + 1);
    }

    @Test
    void aBatchWithOneUnknownOwnerStoresNothingAndNamesTheItem() {
        Flowgres flowgres = service.bean(Flowgres.class);
        String marker = marker();
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            items.add(item(marker, i, i == 25 ? 999_999 : 1 + i));
        }
        long attemptsBefore = attempts(flowgres, "pitches.createBatch");

        client.post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue(items)
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().doesNotExist(ConsistencyHeader.NAME)
                .expectBody()
                .jsonPath("$.parameter").isEqualTo("items[25].ownerId")
                .jsonPath("$.detail").isEqualTo("items[25].ownerId 999999 does not exist; no pitch was created");

        assertThat(attempts(flowgres, "pitches.createBatch") - attemptsBefore).as("a failed write is not retried")
                .isEqualTo(1);
        assertThat(countOnPrimary(marker)).as("all or nothing").isZero();
    }

    @Test
    void badBatchesAreProblemsNamingTheItemOrItems() {
        String marker = marker();
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(item(marker, i, 1));
        }
        items.get(3).put("genre", "western");
        expectProblem(items, "items[3].genre");
        items.get(3).put("genre", "drama");
        items.get(7).remove("title");
        expectProblem(items, "items[7].title");
        assertThat(countOnPrimary(marker)).isZero();

        expectProblem(List.of(), "items");
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            tooMany.add(item(marker, i, 1));
        }
        client.post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue(tooMany)
                .exchange().expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.parameter").isEqualTo("items")
                .jsonPath("$.detail").isEqualTo("items must hold at most 500 pitches, was 501");
        assertThat(countOnPrimary(marker)).isZero();

        client.post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue("[{\"ownerId\":1,")
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody(Void.class);
    }

    private void expectProblem(Object body, String parameter) {
        client.post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo(parameter);
    }

    private static String marker() {
        return "batch-" + UUID.randomUUID();
    }

    private static Map<String, Object> item(String marker, int index, long ownerId) {
        Map<String, Object> item = new HashMap<>();
        item.put("ownerId", ownerId);
        item.put("title", marker + " #" + index);
        item.put("logline", "Pitch " + index + " of a batch");
        item.put("genre", GENRES[index % GENRES.length]);
        item.put("format", index % 2 == 0 ? "feature" : "short");
        item.put("productionStage", "idea");
        return item;
    }

    private int profilePitches(long userId) {
        Map<String, Object> user = client.get().uri("/api/users/{id}", userId).exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        return ((List<?>) user.get("pitches")).size();
    }

    private static long attempts(Flowgres flowgres, String query) {
        return flowgres.meterRegistry().find("flowgres.query").tag("query", query).timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count).sum();
    }

    private long countOnPrimary(String marker) {
        return service.bean(Flowgres.class).read(Query.named("it.batchCount").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection
                                        .createStatement("SELECT count(*) FROM pitch WHERE title LIKE $1")
                                        .bind("$1", marker + " #%").execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .blockFirst(Duration.ofSeconds(30));
    }
}
