package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.idempotency.IdempotencyKeys;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code POST /api/pitches}, {@code POST /api/pitches/batch} and {@code PATCH /api/pitches/{id}} with
 * an {@code Idempotency-Key}, through HTTP on a real cluster: a repeat gets the first response and
 * writes nothing; a key reused with another body is 422; a malformed key is 400; and 1,000 requests
 * of clients repeating 100 keys while the primary restarts store one pitch per key, each answered
 * every time with the first response.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class IdempotencyKeyIT {

    private PostgresCluster cluster;
    @AutoClose
    private ReferenceService service;
    private WebTestClient client;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, 100);
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aRepeatGetsTheFirstResponseAndStoresNothing() {
        String title = marker();
        String key = UUID.randomUUID().toString();

        EntityExchangeResult<String> first = post(key, pitch(title, "a logline")).expectStatus().isCreated()
                .expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "false")
                .expectBody(String.class).returnResult();
        EntityExchangeResult<String> repeat = post(key, pitch(title, "a logline")).expectStatus().isCreated()
                .expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "true")
                .expectBody(String.class).returnResult();

        assertThat(repeat.getResponseBody()).isEqualTo(first.getResponseBody());
        assertThat(repeat.getResponseHeaders().getLocation()).isEqualTo(first.getResponseHeaders().getLocation());
        assertThat(rows(title)).isEqualTo(1);
    }

    @Test
    void aKeyReusedWithAnotherBodyIs422AndStoresNothing() {
        String title = marker();
        String key = UUID.randomUUID().toString();
        post(key, pitch(title, "a logline")).expectStatus().isCreated().expectBody().returnResult();

        post(key, pitch(title, "another logline")).expectStatus().isEqualTo(422)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        assertThat(rows(title)).isEqualTo(1);
    }

    @Test
    void aMalformedKeyIs400AndStoresNothing() {
        String title = marker();

        post("x".repeat(256), pitch(title, "a logline")).expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        post("two words", pitch(title, "a logline")).expectStatus().isBadRequest().expectBody().returnResult();
        assertThat(rows(title)).isZero();
    }

    @Test
    void aRepeatedBatchGetsTheFirstResponseAndStoresNothingMore() {
        String title = marker();
        String key = UUID.randomUUID().toString();
        List<Map<String, Object>> batch = List.of(pitch(title, "first"), pitch(title, "second"));

        EntityExchangeResult<String> first = postBatch(key, batch).expectStatus().isCreated()
                .expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "false")
                .expectBody(String.class).returnResult();
        EntityExchangeResult<String> repeat = postBatch(key, batch).expectStatus().isCreated()
                .expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "true")
                .expectBody(String.class).returnResult();
        postBatch(key, List.of(pitch(title, "first"))).expectStatus().isEqualTo(422)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();

        assertThat(repeat.getResponseBody()).isEqualTo(first.getResponseBody()).contains("\"first\"", "\"second\"");
        assertThat(rows(title)).isEqualTo(2);
    }

    @Test
    void aRepeatedPatchGetsTheFirstResponseAndIsNotAppliedAgain() {
        String title = marker();
        post(UUID.randomUUID().toString(), pitch(title, "a logline")).expectStatus().isCreated().expectBody()
                .returnResult();
        long id = idOf(title);
        String key = UUID.randomUUID().toString();

        EntityExchangeResult<String> first = patch(key, id, Map.of("logline", "patched once"))
                .expectStatus().isOk().expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "false")
                .expectBody(String.class).returnResult();
        // Another change in between: a repeat that ran again would undo it.
        client.patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("logline", "changed since")).exchange().expectStatus().isOk().expectBody()
                .returnResult();
        EntityExchangeResult<String> repeat = patch(key, id, Map.of("logline", "patched once"))
                .expectStatus().isOk().expectHeader().valueEquals(IdempotencyKeys.REPLAYED_HEADER, "true")
                .expectBody(String.class).returnResult();
        patch(key, id, Map.of("logline", "another change")).expectStatus().isEqualTo(422).expectBody().returnResult();
        String missingKey = UUID.randomUUID().toString();
        patch(missingKey, Long.MAX_VALUE, Map.of("logline", "x")).expectStatus().isNotFound().expectBody().returnResult();
        patch(missingKey, Long.MAX_VALUE, Map.of("logline", "x")).expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();

        assertThat(repeat.getResponseBody()).isEqualTo(first.getResponseBody()).contains("patched once");
        assertThat(logline(id)).isEqualTo("changed since");
    }

    @Test
    void clientsRepeatingKeysWhileThePrimaryRestartsStoreOnePitchPerKey() {
        String title = marker();
        int keys = 100;
        Map<String, String> firstBody = new ConcurrentHashMap<>();
        AtomicInteger mismatches = new AtomicInteger();
        AtomicInteger clientRetries = new AtomicInteger();
        String run = UUID.randomUUID().toString();

        Mono<Void> restart = Mono.delay(Duration.ofMillis(500))
                .then(Mono.fromRunnable(() -> cluster.primary().restart()).subscribeOn(Schedulers.boundedElastic()))
                .then();
        Flux<String> requests = Flux.range(0, 1000).flatMap(i -> Mono.fromCallable(() -> {
            String key = run + "-" + (i % keys);
            Map<String, Object> body = pitch(title, "logline " + (i % keys));
            // A client that gets no answer, or a 5xx, sends the same request again with the same key.
            for (int attempt = 0; attempt < 60; attempt++) {
                EntityExchangeResult<String> result = post(key, body).expectBody(String.class).returnResult();
                if (result.getStatus().value() == 201) {
                    String known = firstBody.putIfAbsent(key, result.getResponseBody());
                    if (known != null && !known.equals(result.getResponseBody())) {
                        mismatches.incrementAndGet();
                    }
                    return key;
                }
                assertThat(result.getStatus().is5xxServerError()).as("only a server error is retried: %s %s",
                        result.getStatus(), result.getResponseBody()).isTrue();
                clientRetries.incrementAndGet();
                Thread.sleep(100); // a client's backoff, on a worker thread
            }
            throw new AssertionError("no answer for key " + key + " after 60 attempts");
        }).subscribeOn(Schedulers.boundedElastic()), 16);

        List<String> answered = Flux.merge(requests, restart.thenMany(Flux.<String>empty())).collectList()
                .block(Duration.ofMinutes(4));

        assertThat(answered).as("every request answered 201 in the end").hasSize(1000);
        assertThat(mismatches.get()).as("every repeat answered with the first response").isZero();
        assertThat(rows(title)).as("one pitch per key: none lost, none twice").isEqualTo(keys);
        System.out.printf("Idempotency-Key through HTTP under a primary restart: 1000 requests, %d keys, "
                + "%d client retries%n", keys, clientRetries.get());
    }

    private WebTestClient.ResponseSpec post(String key, Map<String, Object> body) {
        return client.post().uri("/api/pitches").header(IdempotencyKeys.HEADER, key)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec postBatch(String key, List<Map<String, Object>> batch) {
        return client.post().uri("/api/pitches/batch").header(IdempotencyKeys.HEADER, key)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(batch).exchange();
    }

    private WebTestClient.ResponseSpec patch(String key, long id, Map<String, Object> change) {
        return client.patch().uri("/api/pitches/{id}", id).header(IdempotencyKeys.HEADER, key)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(change).exchange();
    }

    private long idOf(String title) {
        return Long.parseLong(primary("SELECT id::text FROM pitch WHERE title = $1", title));
    }

    private String logline(long id) {
        return primary("SELECT logline FROM pitch WHERE id = $1::bigint", Long.toString(id));
    }

    private String primary(String sql, String parameter) {
        return service.bean(Flowgres.class).read(Query.named("it.idempotency.value").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement(sql).bind("$1", parameter).execute())
                                .flatMap(result -> result.map(row -> row.get(0, String.class))))
                .single().block(Duration.ofSeconds(10));
    }

    private long rows(String title) {
        return service.bean(Flowgres.class).read(Query.named("it.idempotency.count").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement("SELECT count(*) FROM pitch WHERE title = $1")
                                        .bind("$1", title).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .blockLast(Duration.ofSeconds(10));
    }

    private static String marker() {
        return "idempotent-" + UUID.randomUUID();
    }

    private static Map<String, Object> pitch(String title, String logline) {
        Map<String, Object> pitch = new HashMap<>();
        pitch.put("ownerId", 1);
        pitch.put("title", title);
        pitch.put("logline", logline);
        pitch.put("genre", "drama");
        pitch.put("format", "feature");
        pitch.put("productionStage", "idea");
        return pitch;
    }
}
