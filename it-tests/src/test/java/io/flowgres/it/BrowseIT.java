package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/**
 * Keyset browsing and streaming export on a real cluster seeded with 100,000 pitches: every sort and
 * filter pages through its rows exactly once and in order, concurrent inserts neither repeat nor
 * skip rows, every query shape is served by an index, exports stream every match, and every bad
 * parameter is a 400 that names it.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class BrowseIT {

    private static final int PITCHES = 100_000;

    @AutoClose
    private ReferenceService service;
    private WebTestClient client;
    private PostgresCluster cluster;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, PITCHES);
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(60)).codecs(codecs -> codecs
                .defaultCodecs().maxInMemorySize(64 * 1024 * 1024)).build();
    }

    @Test
    void everySortAndFilterPagesThroughEveryRowOnceInOrder() {
        Map<String, String> orders = Map.of("newest", "created_at DESC, id DESC", "most-viewed",
                "view_count DESC, id DESC", "title", "title, id");
        Map<String, String> filters = Map.of(
                "genre=drama&format=series&stage=script", "genre = 'drama' AND format = 'series' "
                        + "AND production_stage = 'script'",
                "status=published&genre=horror&createdAfter=2026-01-20", "status = 'published' AND genre = 'horror' "
                        + "AND created_at >= '2026-01-20T00:00:00Z'",
                "owner=7", "owner_id = 7",
                "q=told+for+the+1234", "(title ILIKE '%told for the 1234%' OR logline ILIKE '%told for the 1234%')");
        for (Map.Entry<String, String> order : orders.entrySet()) {
            for (Map.Entry<String, String> filter : filters.entrySet()) {
                List<Long> expected = idsOnPrimary("SELECT id FROM pitch WHERE " + filter.getValue() + " AND id <= "
                        + PITCHES + " ORDER BY " + order.getValue());
                List<Long> seen = browseAll("/api/pitches?sort=" + order.getKey() + "&limit=37&" + filter.getKey(),
                        null);
                assertThat(seen).as("%s / %s", order.getKey(), filter.getKey()).isNotEmpty()
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void insertsBetweenPagesNeitherRepeatNorSkipExistingRows() {
        for (String sort : List.of("newest", "title")) {
            List<Long> before = idsOnPrimary("SELECT id FROM pitch WHERE genre = 'animation' AND format = 'short' "
                    + "AND id <= " + PITCHES);
            List<Long> seen = browseAll("/api/pitches?sort=" + sort + "&genre=animation&format=short&limit=50",
                    () -> client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(Map.of("ownerId", 3, "title", "Pitch inserted meanwhile", "logline", "x",
                                    "genre", "animation", "format", "short", "productionStage", "idea"))
                            .exchange().expectStatus().isCreated().expectBody(Void.class));
            assertThat(new HashSet<>(seen)).as("no duplicates with sort %s", sort).hasSize(seen.size());
            assertThat(seen).as("no pre-existing row skipped with sort %s", sort).containsAll(before);
        }
    }

    @Test
    void everyBrowseQueryShapeIsServedByAnIndex() {
        List<String> shapes = List.of(
                "ORDER BY created_at DESC, id DESC",
                "WHERE (created_at, id) < ('2026-01-15T00:00:00Z', 50000) ORDER BY created_at DESC, id DESC",
                "ORDER BY view_count DESC, id DESC",
                "WHERE (view_count, id) < (5000, 50000) ORDER BY view_count DESC, id DESC",
                "ORDER BY title, id",
                "WHERE (title, id) > ('Pitch 5', 1) ORDER BY title, id",
                "WHERE genre = 'drama' ORDER BY created_at DESC, id DESC",
                "WHERE status = 'published' ORDER BY created_at DESC, id DESC",
                "WHERE format = 'series' ORDER BY created_at DESC, id DESC",
                "WHERE production_stage = 'script' ORDER BY created_at DESC, id DESC",
                "WHERE owner_id = 7 ORDER BY created_at DESC, id DESC",
                "WHERE (title ILIKE '%told for the 4242%' OR logline ILIKE '%told for the 4242%') "
                        + "ORDER BY created_at DESC, id DESC");
        for (String shape : shapes) {
            String plan = String.join("\n", stringsOnPrimary("EXPLAIN SELECT * FROM pitch " + shape + " LIMIT 25"));
            assertThat(plan).as(shape).doesNotContain("Seq Scan on pitch").containsIgnoringCase("index");
        }
    }

    @Test
    void exportStreamsEveryMatchAsNdjsonAndAsServerSentEvents() {
        long expected = idsOnPrimary("SELECT id FROM pitch WHERE genre = 'comedy' AND id <= " + PITCHES).size();
        List<String> lines = client.get().uri("/api/pitches/export?genre=comedy")
                .accept(MediaType.APPLICATION_NDJSON).exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(60));
        assertThat(lines.stream().filter(line -> line.contains("\"genre\":\"comedy\"")).count())
                .isGreaterThanOrEqualTo(expected);

        List<String> events = client.get().uri("/api/pitches/export?genre=comedy&format=short&sort=title")
                .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(60));
        assertThat(events).hasSizeGreaterThanOrEqualTo(idsOnPrimary(
                "SELECT id FROM pitch WHERE genre = 'comedy' AND format = 'short' AND id <= " + PITCHES).size());
    }

    @Test
    void aClientThatDisconnectsMidExportCancelsTheQueryAndFreesItsConnection() {
        Flowgres flowgres = service.bean(Flowgres.class);
        List<String> firstLines = client.get().uri("/api/pitches/export?sort=title")
                .accept(MediaType.APPLICATION_NDJSON).exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody().take(5).collectList().block(Duration.ofSeconds(30));
        assertThat(firstLines).hasSize(5);

        Await.until("export query stopped and connection back in the pool",
                () -> exportsRunning() == 0 && acquiredConnections(flowgres) == 0, Duration.ofSeconds(15));
    }

    private long exportsRunning() {
        long running = 0;
        for (PostgresNode replica : cluster.replicas()) {
            running += Sql.countOnServer(cluster, replica, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                    + "AND query LIKE 'SELECT id, owner_id%ORDER BY title%'");
        }
        return running;
    }

    private static int acquiredConnections(Flowgres flowgres) {
        return flowgres.topology().nodes().stream().mapToInt(node -> node.pool().acquired()).sum();
    }

    @Test
    void aUserComesWithAllTheirPitchesInOneRoundTripCachedUntilTheirNextWrite() {
        Flowgres flowgres = service.bean(Flowgres.class);
        long owned = idsOnPrimary("SELECT id FROM pitch WHERE owner_id = 11").size();
        long before = reads(flowgres, "users.byId");

        Map<String, Object> user = userProfile(11);
        assertThat((List<?>) user.get("pitches")).hasSize((int) owned);
        assertThat(user.get("username")).isEqualTo("user11");
        assertThat(reads(flowgres, "users.byId") - before).as("one round trip, no query per pitch").isEqualTo(1);
        userProfile(11);
        assertThat(reads(flowgres, "users.byId") - before).as("served from the cache").isEqualTo(1);

        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 11, "title", "Fresh", "logline", "New for user 11", "genre", "drama",
                        "format", "short", "productionStage", "idea"))
                .exchange().expectStatus().isCreated().expectBody(Void.class);
        assertThat((List<?>) userProfile(11).get("pitches")).as("the write invalidated the cached profile")
                .hasSize((int) owned + 1);
        client.get().uri("/api/users/999999").exchange().expectStatus().isNotFound().expectBody(Void.class);
        expectProblem("/api/users/abc", "id");
    }

    private Map<String, Object> userProfile(long id) {
        return client.get().uri("/api/users/{id}", id).exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    /**
     * Reads of a query: its attempts less its hedges (a fill on a slow replica is hedged on another
     * node: one read, two attempts).
     */
    private static long reads(Flowgres flowgres, String query) {
        long attempts = flowgres.meterRegistry().find("flowgres.query").tag("query", query).timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count).sum();
        double hedges = flowgres.meterRegistry().find("flowgres.retries").tag("query", query).tag("reason", "hedge")
                .counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
        return attempts - (long) hedges;
    }

    @Test
    void badBrowseParametersAreProblemsNamingTheParameter() {
        expectProblem("/api/pitches?sort=worst", "sort");
        expectProblem("/api/pitches?stage=filming", "stage");
        expectProblem("/api/pitches?format=opera", "format");
        expectProblem("/api/pitches?owner=-1", "owner");
        expectProblem("/api/pitches?createdAfter=yesterday", "createdAfter");
        expectProblem("/api/pitches?createdBefore=2026-13-45", "createdBefore");
        expectProblem("/api/pitches?q=" + "x".repeat(101), "q");
        expectProblem("/api/pitches/export?genre=western", "genre");
        String newestCursor = (String) page("/api/pitches?limit=2").get("nextCursor");
        expectProblem("/api/pitches?sort=title&cursor=" + newestCursor, "cursor");
    }

    private List<Long> browseAll(String firstUri, Runnable betweenPages) {
        List<Long> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, Object> page = page(cursor == null ? firstUri : firstUri + "&cursor=" + cursor);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
            for (Map<String, Object> item : items) {
                ids.add(((Number) item.get("id")).longValue());
            }
            cursor = (String) page.get("nextCursor");
            if (betweenPages != null) {
                betweenPages.run();
            }
            assertThat(++pages).as("pages").isLessThan(5000);
        } while (cursor != null);
        return ids.stream().filter(id -> id <= PITCHES).toList();
    }

    private Map<String, Object> page(String uri) {
        return client.get().uri(uri).exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    private void expectProblem(String uri, String parameter) {
        client.get().uri(uri).exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo(parameter);
    }

    private List<Long> idsOnPrimary(String sql) {
        return stringsOnPrimary(sql).stream().map(Long::valueOf).toList();
    }

    private List<String> stringsOnPrimary(String sql) {
        return service.bean(Flowgres.class).read(Query.named("it.browse").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.map(row -> String.valueOf(row.get(0)))))
                .collectList().block(Duration.ofSeconds(60));
    }
}
