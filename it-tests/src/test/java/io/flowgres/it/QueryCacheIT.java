package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.routing.ConsistencyHeader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The query cache in the reference service on a real cluster: one database query for a burst of
 * cold reads, never a stale read after a write's response, invalidation by every write endpoint,
 * fills on a replica only once it has replayed every invalidated write, and no entry older than the
 * caller's consistency token.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class QueryCacheIT {

    /** The meter of every query attempt (the engine's own constant is internal). */
    private static final String QUERY_TIMER = "flowgres.query";

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };

    private PostgresCluster cluster;
    private ReferenceService service;
    private WebTestClient client;
    private ConnectionProvider connections;
    private WebClient concurrentClient;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        // 1,000 concurrent reads are the point of a test here: no admission limit refusing some of them.
        service = ReferenceService.start(cluster, 500, "--flowgres.cache.enabled=true",
                "--flowgres.cache.notify=false", "--flowgres.admission.enabled=false");
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
        connections = ConnectionProvider.builder("cache-it").maxConnections(200).pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60)).build();
        concurrentClient = WebClient.builder().baseUrl(service.baseUrl())
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections))).build();
    }

    @AfterAll
    void stopService() {
        if (connections != null) {
            connections.dispose();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void thousandConcurrentColdReadsRunOneQuery() {
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        long before = loads(registry, "pitches.byId");
        List<String> titles = Flux.range(0, 1000)
                .flatMap(i -> concurrentClient.get().uri("/api/pitches/{id}", 7).retrieve().bodyToMono(JSON)
                        .map(body -> (String) body.get("title")), 1000)
                .collectList().block(Duration.ofSeconds(120));

        assertThat(titles).hasSize(1000).containsOnly(titles.get(0));
        assertThat(loads(registry, "pitches.byId") - before).isEqualTo(1);
    }

    @Test
    void aCachedPitchIsServedAsTheSameJsonTheServiceWritesForIt() {
        long id = 23;
        // The update's response is the pitch encoded by WebFlux; the reads after it are a miss (filled
        // on the primary, as no probe round has begun since the update; encoded once) and a hit (the cached bytes as they are).
        String written = client.patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("title", "Encoded once")).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        double hitsBefore = hits(registry);
        String miss = client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON).expectBody(String.class).returnResult()
                .getResponseBody();
        String hit = client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON).expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(hits(registry)).as("the second read was a hit").isGreaterThan(hitsBefore);
        assertThat(miss).contains("\"title\":\"Encoded once\"").isEqualTo(written);
        assertThat(hit).isEqualTo(miss);
    }

    @Test
    void readAfterAnUpdateResponseIsNeverStale() {
        long id = 11;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong backgroundReads = new AtomicLong();
        // Readers keep loading and hitting the key while it is rewritten, so loads race with writes.
        Disposable readers = Flux.range(0, 2)
                .flatMap(reader -> Mono.defer(() -> concurrentClient.get().uri("/api/pitches/{id}", id).retrieve()
                                .bodyToMono(JSON))
                        .doOnNext(body -> backgroundReads.incrementAndGet())
                        .repeat(writing::get))
                .subscribe();
        try {
            for (int i = 0; i < 1000; i++) {
                String title = "Version " + i;
                client.patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("title", title)).exchange().expectStatus().isOk()
                        .expectBody(Void.class);
                Map<String, Object> read = client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                        .expectBody(JSON).returnResult().getResponseBody();
                assertThat(read).as("read after write %d", i).containsEntry("title", title);
            }
        } finally {
            writing.set(false);
            readers.dispose();
        }
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        assertThat(backgroundReads.get()).isPositive();
        assertThat(hits(registry)).isPositive();
    }

    @Test
    void deleteAndCreateInvalidateWhatTheyTouch() {
        Map<String, Object> created = client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 3, "title", "Cached", "logline", "A pitch read from memory",
                        "genre", "drama", "format", "short", "productionStage", "idea"))
                .exchange().expectStatus().isCreated().expectBody(JSON).returnResult().getResponseBody();
        long id = ((Number) created.get("id")).longValue();
        // A miss for the next id is cached as "not found"; creating it must drop that.
        long next = id + 1;
        client.get().uri("/api/pitches/{id}", next).exchange().expectStatus().isNotFound().expectBody(Void.class);
        client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk().expectBody(Void.class);
        client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk().expectBody(Void.class);

        client.delete().uri("/api/pitches/{id}", id).exchange().expectStatus().isNoContent().expectBody(Void.class);
        client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isNotFound().expectBody(Void.class);
        client.delete().uri("/api/pitches/{id}", id).exchange().expectStatus().isNotFound().expectBody(Void.class);
        client.patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("status", "archived")).exchange().expectStatus().isEqualTo(HttpStatus.NOT_FOUND)
                .expectBody(Void.class);

        Map<String, Object> second = client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 3, "title", "Next", "logline", "Takes the cached-missing id",
                        "genre", "drama", "format", "short", "productionStage", "idea"))
                .exchange().expectStatus().isCreated().expectBody(JSON).returnResult().getResponseBody();
        assertThat(((Number) second.get("id")).longValue()).isEqualTo(next);
        client.get().uri("/api/pitches/{id}", next).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.title").isEqualTo("Next");
    }

    @Test
    void fillsReadOnAReplicaOnlyOnceItHasReplayedEveryInvalidatedWrite() {
        long id = 31;
        Flowgres flowgres = service.bean(Flowgres.class);
        QueryCache cache = service.bean(QueryCache.class);
        MeterRegistry registry = flowgres.meterRegistry();
        String before = fillOnReplica(flowgres, cache, id);

        cluster.replicas().get(0).setApplyDelay(Duration.ofSeconds(30));
        try {
            client.patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("title", "Replayed later")).exchange().expectStatus().isOk()
                    .expectBody(Void.class);
            long onReplica = attemptsOn(registry, "pitches.byId", "replica-1");
            // The replica has not replayed the update and no probe round has begun since it: the writer fills.
            assertThat(title(id)).isNotEqualTo(before).isEqualTo("Replayed later");
            // Rounds begun after the update know a position past its commit, which the replica lacks.
            cache.clear("pitches.byId");
            probeTwice(flowgres);
            assertThat(title(id)).isEqualTo("Replayed later");
            assertThat(attemptsOn(registry, "pitches.byId", "replica-1")).as("no fill read on the replica")
                    .isEqualTo(onReplica);
        } finally {
            cluster.replicas().get(0).setApplyDelay(Duration.ZERO);
        }
        assertThat(fillOnReplica(flowgres, cache, id)).as("the replica has it now").isEqualTo("Replayed later");
    }

    @Test
    void aCallerWithATokenIsNeverServedAnEntryOlderThanItsWrite() {
        long id = 37;
        String cached = title(id);
        assertThat(title(id)).isEqualTo(cached);
        // A write the cache is never told of: a migration, another application, or another instance whose
        // invalidation has not arrived yet.
        try (Flowgres direct = Sql.direct(cluster, cluster.primary())) {
            direct.write(Query.named("it.around-the-cache"), connection -> Sql.execute(connection,
                    "UPDATE pitch SET title = 'Written around the cache' WHERE id = " + id)).blockLast(Duration.ofSeconds(20));
        }
        assertThat(title(id)).as("a caller without a token is served the cached entry").isEqualTo(cached);
        // A write through the service commits after it, so its token covers the write around the cache too.
        String token = client.patch().uri("/api/pitches/{id}", id + 1).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("title", "Gives a token")).exchange().expectStatus().isOk()
                .returnResult(Void.class).getResponseHeaders().getFirst(ConsistencyHeader.NAME);
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        double behind = registry.counter("flowgres.cache.behind", "query", "pitches.byId").count();

        Map<String, Object> read = client.get().uri("/api/pitches/{id}", id).header(ConsistencyHeader.NAME, token)
                .exchange().expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();
        assertThat(read).containsEntry("title", "Written around the cache");
        assertThat(registry.counter("flowgres.cache.behind", "query", "pitches.byId").count()).isEqualTo(behind + 1);
        assertThat(title(id)).as("the entry loaded for the token replaced the old one").isEqualTo("Written around the cache");
    }

    /**
     * Reads a pitch's title through an emptied cache until the fill reads on the replica: each try
     * waits for replication, clears the cache and lets two probe rounds pass (the first reads the
     * writer's position, the second the replica's, which routing compares), at most five tries.
     */
    private String fillOnReplica(Flowgres flowgres, QueryCache cache, long id) {
        MeterRegistry registry = flowgres.meterRegistry();
        for (int tries = 0; tries < 5; tries++) {
            cluster.awaitReplication(Duration.ofSeconds(60));
            cache.clear("pitches.byId");
            probeTwice(flowgres);
            long onReplica = attemptsOn(registry, "pitches.byId", "replica-1");
            String title = title(id);
            if (attemptsOn(registry, "pitches.byId", "replica-1") > onReplica) {
                return title;
            }
        }
        throw new AssertionError("five fills of pitch " + id + " after replication and two probe rounds "
                + "read on the primary, none on the replica: " + flowgres.topology());
    }

    private static void probeTwice(Flowgres flowgres) {
        flowgres.probeNow().then(flowgres.probeNow()).block(Duration.ofSeconds(30));
    }

    private String title(long id) {
        Map<String, Object> pitch = client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JSON).returnResult().getResponseBody();
        return (String) pitch.get("title");
    }

    @Test
    void badPatchIsAProblemNamingTheField() {
        client.patch().uri("/api/pitches/{id}", 5).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("genre", "western")).exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.parameter").isEqualTo("genre");
        client.patch().uri("/api/pitches/{id}", 5).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of()).exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.parameter").isEqualTo("body");
    }

    private static long attempts(MeterRegistry registry, String query) {
        return registry.find(QUERY_TIMER).tag("query", query).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    /**
     * Reads of a query: its attempts less its hedges (a fill on a replica that is slow is hedged on
     * another node, one read in two attempts).
     */
    private static long loads(MeterRegistry registry, String query) {
        double hedges = registry.find("flowgres.retries").tag("query", query).tag("reason", "hedge").counters()
                .stream().mapToDouble(Counter::count).sum();
        return attempts(registry, query) - (long) hedges;
    }

    private static long attemptsOn(MeterRegistry registry, String query, String node) {
        return registry.find(QUERY_TIMER).tag("query", query).tag("node", node).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static double hits(MeterRegistry registry) {
        return registry.find("cache.gets").tag("result", "hit").functionCounters().stream()
                .mapToDouble(FunctionCounter::count).sum();
    }
}
