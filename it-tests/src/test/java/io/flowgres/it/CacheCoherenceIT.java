package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cache.PostgresInvalidations;
import io.flowgres.cache.QueryCache;
import io.flowgres.local.PostgresCluster;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/**
 * Two instances of the reference service on one cluster, each with its own query cache: a write
 * through one reaches the other's cache by {@code NOTIFY} within a second, and after the listener's
 * connection is killed with {@code pg_terminate_backend} coherence comes back by itself.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CacheCoherenceIT {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };
    private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(1);

    private ReferenceService writer;
    private ReferenceService reader;

    @BeforeAll
    void startServices(PostgresCluster cluster) {
        String[] cache = {"--flowgres.cache.enabled=true", "--flowgres.cache.reconnect-delay=200ms"};
        writer = ReferenceService.start(cluster, 200, cache);
        reader = ReferenceService.start(cluster, 200, cache);
        awaitListening(reader, Duration.ofSeconds(30));
        awaitListening(writer, Duration.ofSeconds(30));
    }

    @AfterAll
    void stopServices() {
        try {
            if (reader != null) {
                reader.close();
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }

    @Test
    void writeThroughOneInstanceInvalidatesTheOtherWithinASecond() {
        for (int round = 0; round < 5; round++) {
            long id = 31;
            String title = "Coherent " + round;
            readTitle(reader, id);
            readTitle(reader, id);
            patchTitle(writer, id, title);
            Duration took = awaitTitle(reader, id, title, Duration.ofSeconds(10));
            assertThat(took).as("round %d", round).isLessThan(PROPAGATION_BOUND);
        }
    }

    @Test
    void coherenceComesBackAfterTheListenerIsKilled() {
        long id = 41;
        PostgresInvalidations link = reader.bean(PostgresInvalidations.class);
        int killed = link.listenerPid();
        assertThat(killed).isPositive();
        readTitle(reader, id);

        Boolean terminated = writer.bean(Flowgres.class).write(Query.named("it.terminate").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement("SELECT pg_terminate_backend($1)")
                                        .bind("$1", killed).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                .blockFirst(Duration.ofSeconds(10));
        assertThat(terminated).isTrue();
        // A write while the listener is down is missed by NOTIFY; the reader must recover by itself.
        patchTitle(writer, id, "Written while deaf");
        awaitTitle(reader, id, "Written while deaf", Duration.ofSeconds(30));

        QueryCache cache = reader.bean(QueryCache.class);
        // Listening again on a new backend, and the cache serving again (it resumes just after).
        Await.until("the listener back on a new backend and the cache coherent",
                () -> link.isListening() && link.listenerPid() != killed && cache.isCoherent(), Duration.ofSeconds(30));
        assertThat(link.isListening()).isTrue();
        assertThat(link.listenerPid()).isNotEqualTo(killed);
        assertThat(cache.isCoherent()).isTrue();

        readTitle(reader, id);
        readTitle(reader, id);
        patchTitle(writer, id, "After reconnect");
        assertThat(awaitTitle(reader, id, "After reconnect", Duration.ofSeconds(10))).isLessThan(PROPAGATION_BOUND);
    }

    private static void awaitListening(ReferenceService service, Duration bound) {
        PostgresInvalidations link = service.bean(PostgresInvalidations.class);
        Await.until("the cache listening for invalidations", link::isListening, bound);
    }

    private static WebTestClient client(ReferenceService service) {
        return service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String readTitle(ReferenceService service, long id) {
        Map<String, Object> body = client(service).get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JSON).returnResult().getResponseBody();
        assertThat(body).isNotNull();
        return (String) body.get("title");
    }

    private static void patchTitle(ReferenceService service, long id, String title) {
        client(service).patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("title", title)).exchange().expectStatus().isOk().expectBody(Void.class);
    }

    /** Reads until the title shows, and returns how long after the call that took. */
    private static Duration awaitTitle(ReferenceService service, long id, String title, Duration bound) {
        long start = System.nanoTime();
        Await.until("'" + title + "' read back", () -> title.equals(readTitle(service, id)), bound);
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
