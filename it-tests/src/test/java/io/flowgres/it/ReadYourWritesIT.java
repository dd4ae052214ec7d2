package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowgres.local.LocalCluster;
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
 * Read-your-writes over HTTP with a replica that lags seconds behind: the token a write returns in
 * its response header, sent back on the read, always finds the new row; and the topology endpoint
 * shows the lagging replica out of rotation.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ReadYourWritesIT {

    private ReferenceService service;
    private WebTestClient client;
    private LocalCluster cluster;

    @BeforeAll
    void startService(LocalCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, 500, "--flowgres.routing.probe-interval=200ms",
                "--flowgres.routing.max-lag=1s");
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    void stopService() {
        if (service != null) {
            service.close();
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
                assertThat(token).matches("[0-9A-F]+/[0-9A-F]+");
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
                        .exchange().expectStatus().isCreated();
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
    void aMalformedTokenIsABadRequestNamingTheHeader() {
        client.get().uri("/api/pitches/1").header(ConsistencyHeader.NAME, "not-a-token").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.parameter").isEqualTo(ConsistencyHeader.NAME);
    }
}
