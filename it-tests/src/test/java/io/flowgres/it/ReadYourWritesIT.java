package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Read-your-writes over HTTP with replicas that lag seconds behind: the signed token a write returns
 * in its response header, sent back on a read by id, a browse, an export or a user profile, always
 * finds the new row; the topology endpoint shows a lagging replica out of rotation; and a token the
 * service did not sign is a 400.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ReadYourWritesIT {

    private static final String TOKEN = "[0-9A-F]+/[0-9A-F]+\\.[A-Za-z0-9_-]{22}";

    private ReferenceService service;
    private WebTestClient client;
    private PostgresCluster cluster;
    // Lagging replicas stay in its rotation (and the cache is off), so only the token keeps a read fresh.
    private ReferenceService tolerant;
    private WebTestClient tolerantClient;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, 500, "--flowgres.routing.probe-interval=200ms",
                "--flowgres.routing.max-lag=1s");
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
        tolerant = ReferenceService.start(cluster, 500, "--flowgres.routing.probe-interval=200ms",
                "--flowgres.routing.max-lag=1h", "--flowgres.cache.enabled=false");
        tolerantClient = tolerant.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    void stopService() {
        if (service != null) {
            service.close();
        }
        if (tolerant != null) {
            tolerant.close();
        }
    }

    @Test
    void aReadCarryingTheWritesTokenAlwaysSeesTheWrite() {
        cluster.replicas().get(0).setApplyDelay(Duration.ofSeconds(3));
        try {
            for (int i = 0; i < 60; i++) {
                EntityExchangeResult<Map<String, Object>> created = client.post().uri("/api/pitches")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("ownerId", 1, "title", "Mine " + i, "logline", "Just written",
                                "genre", "comedy", "format", "short", "productionStage", "idea"))
                        .exchange().expectStatus().isCreated()
                        .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult();
                String token = created.getResponseHeaders().getFirst(ConsistencyHeader.NAME);
                assertThat(token).matches(TOKEN);
                Number id = (Number) created.getResponseBody().get("id");

                client.get().uri("/api/pitches/{id}", id).header(ConsistencyHeader.NAME, token).exchange()
                        .expectStatus().isOk().expectBody().jsonPath("$.title").isEqualTo("Mine " + i);
            }
            // Keep writing until the delayed replica's lag passes the 1 s bound and routing takes it out.
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<Map<String, Object>> nodes = topology();
            while (!"lagging".equals(nodes.get(1).get("status")) && System.nanoTime() < deadline) {
                client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("ownerId", 1, "title", "More", "logline", "Keeps the WAL moving",
                                "genre", "comedy", "format", "short", "productionStage", "idea"))
                        .exchange().expectStatus().isCreated().expectBody(Void.class);
                nodes = topology();
            }
            assertThat(nodes).extracting(node -> node.get("name")).containsExactly("primary", "replica-1", "replica-2");
            assertThat(nodes.get(1).get("status")).isEqualTo("lagging");
            assertThat(nodes.get(2).get("status")).isEqualTo("up");
            assertThat(nodes.get(0).get("observedRole")).isEqualTo("primary");
        } finally {
            cluster.replicas().get(0).setApplyDelay(Duration.ZERO);
        }
    }

    private List<Map<String, Object>> topology() {
        Map<String, Object> topology = client.get().uri("/api/topology").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        assertThat(topology.get("writer")).isEqualTo("primary");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) topology.get("nodes");
        return nodes;
    }

    @Test
    void browseExportAndProfileHonourTheTokenWhileEveryReplicaLags() {
        String marker = "lagging-" + UUID.randomUUID();
        int staleWithoutToken = 0;
        for (PostgresNode replica : cluster.replicas()) {
            replica.setApplyDelay(Duration.ofSeconds(5));
        }
        try {
            for (int i = 0; i < 5; i++) {
                String title = marker + " " + i;
                EntityExchangeResult<Map<String, Object>> created = tolerantClient.post().uri("/api/pitches")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("ownerId", 7, "title", title, "logline", "Written while replicas lag",
                                "genre", "drama", "format", "short", "productionStage", "idea"))
                        .exchange().expectStatus().isCreated()
                        .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult();
                String token = created.getResponseHeaders().getFirst(ConsistencyHeader.NAME);
                assertThat(token).matches(TOKEN);
                long id = ((Number) created.getResponseBody().get("id")).longValue();
                String browse = "/api/pitches?owner=7&q=" + title.replace(' ', '+');

                if (!ids(tolerantClient.get().uri(browse)).contains(id)) {
                    staleWithoutToken++;
                }
                assertThat(ids(tolerantClient.get().uri(browse).header(ConsistencyHeader.NAME, token)))
                        .as("browse with the token").contains(id);
                assertThat(profilePitchIds(token)).as("profile with the token").contains(id);
                List<String> lines = tolerantClient.get().uri(browse.replace("/api/pitches?", "/api/pitches/export?"))
                        .header(ConsistencyHeader.NAME, token).accept(MediaType.APPLICATION_NDJSON).exchange()
                        .expectStatus().isOk().returnResult(String.class).getResponseBody().collectList()
                        .block(Duration.ofSeconds(30));
                assertThat(lines).as("export with the token").anyMatch(line -> line.contains("\"id\":" + id + ","));
            }
        } finally {
            for (PostgresNode replica : cluster.replicas()) {
                replica.setApplyDelay(Duration.ZERO);
            }
        }
        assertThat(staleWithoutToken).as("reads without the token that missed the write: the replicas lag and serve")
                .isPositive();
    }

    private List<Long> ids(WebTestClient.RequestHeadersSpec<?> request) {
        Map<String, Object> page = request.exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
        return items.stream().map(item -> ((Number) item.get("id")).longValue()).toList();
    }

    private List<Long> profilePitchIds(String token) {
        Map<String, Object> user = tolerantClient.get().uri("/api/users/7").header(ConsistencyHeader.NAME, token)
                .exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pitches = (List<Map<String, Object>>) user.get("pitches");
        return pitches.stream().map(pitch -> ((Number) pitch.get("id")).longValue()).toList();
    }

    @Test
    void aMalformedTokenIsABadRequestNamingTheHeader() {
        client.get().uri("/api/pitches/1").header(ConsistencyHeader.NAME, "not-a-token").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.parameter").isEqualTo(ConsistencyHeader.NAME);
    }

    @Test
    void aMadeUpOrAlteredTokenIsABadRequestOnEveryRead() {
        String genuine = client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 1, "title", "Signed", "logline", "Its token is signed",
                        "genre", "drama", "format", "short", "productionStage", "idea"))
                .exchange().expectStatus().isCreated().expectBody(Void.class).returnResult().getResponseHeaders()
                .getFirst(ConsistencyHeader.NAME);
        String signature = genuine.substring(genuine.indexOf('.'));
        for (String forged : List.of("7FFFFFFF/FFFFFFFF", "7FFFFFFF/FFFFFFFF" + signature,
                genuine.substring(0, genuine.length() - 2) + (genuine.endsWith("AA") ? "BB" : "AA"))) {
            for (String read : List.of("/api/pitches/1", "/api/pitches?limit=1", "/api/pitches/export?owner=1",
                    "/api/users/1")) {
                client.get().uri(read).header(ConsistencyHeader.NAME, forged).exchange()
                        .expectStatus().isBadRequest()
                        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectBody().jsonPath("$.parameter").isEqualTo(ConsistencyHeader.NAME);
            }
        }
        client.get().uri("/api/pitches/1").header(ConsistencyHeader.NAME, genuine).exchange()
                .expectStatus().isOk().expectBody(Void.class);
    }
}
