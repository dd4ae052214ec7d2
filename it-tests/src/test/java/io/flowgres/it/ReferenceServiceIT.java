package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.local.PostgresCluster;
import io.flowgres.reference.pitches.Format;
import io.flowgres.reference.pitches.Genre;
import io.flowgres.reference.pitches.Pitch;
import io.flowgres.reference.pitches.PitchDraft;
import io.flowgres.reference.pitches.PitchStatus;
import io.flowgres.reference.pitches.PitchWrites;
import io.flowgres.reference.pitches.ProductionStage;
import io.flowgres.reference.pitches.UserRepository;
import io.flowgres.routing.Route;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.r2dbc.FlowgresTransactionManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.webflux.actuate.endpoint.web.WebFluxEndpointHandlerMapping;
import org.springframework.core.Ordered;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import reactor.core.publisher.Flux;

/**
 * The reference service end to end on a real primary with two streaming replicas: reads land on
 * replicas, writes on the primary, browse pages through the data without gaps or duplicates, and
 * bad input is a 400 problem.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ReferenceServiceIT {

    /** The meter of every query attempt (the engine's own constant is internal). */
    private static final String QUERY_TIMER = "flowgres.query";

    private static final int PITCHES = 3000;

    @AutoClose
    private ReferenceService service;
    private WebTestClient client;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        // Uncached, so that routing is measured on the database path.
        service = ReferenceService.start(cluster, PITCHES, "--flowgres.cache.enabled=false");
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void readsLandOnReplicasAndWritesOnThePrimary() {
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        long replicaReadsBefore = attempts(registry, "pitches.byId", "replica");
        long primaryReadsBefore = attempts(registry, "pitches.byId", "primary");
        long primaryWritesBefore = attempts(registry, "pitches.create", "primary");
        for (int id = 1; id <= 20; id++) {
            client.get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk().expectBody(Void.class);
        }
        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 1, "title", "Routing test", "logline", "A write on the primary",
                        "genre", "drama", "format", "feature", "productionStage", "idea"))
                .exchange().expectStatus().isCreated().expectHeader().exists("Location").expectBody(Void.class);
        // An attempt is recorded when its publisher terminates, which may be just after the response left.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while ((attempts(registry, "pitches.byId", "replica") - replicaReadsBefore < 20
                || attempts(registry, "pitches.create", "primary") - primaryWritesBefore < 1)
                && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }

        assertThat(attempts(registry, "pitches.byId", "replica") - replicaReadsBefore).isEqualTo(20);
        assertThat(attempts(registry, "pitches.byId", "primary") - primaryReadsBefore).isZero();
        assertThat(nodesServing(registry, "pitches.byId")).containsExactlyInAnyOrder("replica-1", "replica-2");
        assertThat(attempts(registry, "pitches.create", "primary") - primaryWritesBefore).isEqualTo(1);
        assertThat(attempts(registry, "pitches.create", "replica")).isZero();
    }

    @Test
    void createdPitchIsReadable() {
        Map<String, Object> created = client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 2, "title", "Night Shift", "logline", "A nurse finds a ghost",
                        "genre", "horror", "format", "series", "productionStage", "script", "status", "published"))
                .exchange().expectStatus().isCreated()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();

        assertThat(created).containsEntry("title", "Night Shift").containsEntry("genre", "horror")
                .containsEntry("status", "published");
        Number id = (Number) created.get("id");
        // Replicas may lag by a moment; read it on the primary through the core API to check the write.
        Flowgres flowgres = service.bean(Flowgres.class);
        String title = flowgres.read(Query.named("it.pitchTitle").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement("SELECT title FROM pitch WHERE id = $1")
                                        .bind("$1", id.longValue()).execute())
                                .flatMap(result -> result.map(row -> row.get(0, String.class))))
                .blockFirst(Duration.ofSeconds(10));
        assertThat(title).isEqualTo("Night Shift");
    }

    @Test
    void browsePagesThroughEveryRowOnceInOrder() {
        List<Long> expected = idsOnPrimary("SELECT id FROM pitch WHERE genre = 'comedy' AND id <= " + PITCHES
                + " ORDER BY created_at DESC, id DESC");
        List<Long> seen = browseAll("/api/pitches?genre=comedy&limit=37", true);

        assertThat(expected).hasSizeGreaterThan(300);
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void browseWithoutFilterVisitsTheWholeSeededDataset() {
        List<Long> seen = browseAll("/api/pitches?limit=200", true);

        assertThat(new HashSet<>(seen)).hasSize(seen.size());
        assertThat(new LinkedHashSet<>(seen)).containsAll(idsOnPrimary(
                "SELECT id FROM pitch WHERE id <= " + PITCHES));
    }

    @Test
    void badInputIsAProblemNamingTheParameter() {
        expectProblem("/api/pitches?limit=0", "limit");
        expectProblem("/api/pitches?limit=abc", "limit");
        expectProblem("/api/pitches?limit=201", "limit");
        expectProblem("/api/pitches?genre=western", "genre");
        expectProblem("/api/pitches?status=secret", "status");
        expectProblem("/api/pitches?cursor=forged.cursor", "cursor");
        expectProblem("/api/pitches/abc", "id");
        expectProblem("/api/pitches/-5", "id");
        client.get().uri("/api/pitches/{id}", Long.MAX_VALUE).exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody(Void.class);
        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON).bodyValue("{not json")
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody(Void.class);
        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 1, "title", "x", "logline", "y", "genre", "opera", "format", "feature",
                        "productionStage", "idea"))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.parameter").isEqualTo("genre");
        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 999_999, "title", "x", "logline", "y", "genre", "drama", "format",
                        "feature", "productionStage", "idea"))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.parameter").isEqualTo("ownerId");
    }

    @Test
    void itsDataAccessIsSpringDataOnTheStartersRoutingFactory() {
        Flowgres flowgres = service.bean(Flowgres.class);
        assertThat(service.bean(ConnectionFactory.class)).isSameAs(flowgres.connectionFactory());
        assertThat(service.bean(ReactiveTransactionManager.class)).isInstanceOf(FlowgresTransactionManager.class);
        assertThat(AopUtils.isAopProxy(service.bean(UserRepository.class))).as("a Spring Data repository").isTrue();
        assertThat(AopUtils.isAopProxy(service.bean(PitchWrites.class))).as("@Transactional methods").isTrue();

        // On its own, a @Transactional write runs in a transaction of the starter's manager, on the primary.
        PitchDraft draft = new PitchDraft(1, "Spring's own transaction", "written outside Flowgres",
                Genre.DRAMA, Format.SHORT, ProductionStage.IDEA, PitchStatus.DRAFT);
        Pitch written = service.bean(PitchWrites.class).create(draft).single().block(Duration.ofSeconds(30));
        assertThat(written).isNotNull();
        assertThat(idsOnPrimary("SELECT id FROM pitch WHERE title = 'Spring''s own transaction'"))
                .containsExactly(written.id());
    }

    @Test
    void healthReportsEveryNodeUp() {
        client.get().uri("/api/health").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.nodes").doesNotExist();
        client.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody(Void.class);
        client.get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody(String.class)
                .value(body -> assertThat(body).contains("flowgres_query_seconds_count"));
    }

    @Test
    void itsRoutesAreMatchedBeforeTheActuatorsEndpointsAndBothAnswer() {
        List<Integer> routes = service.beans(RouterFunctionMapping.class).stream().map(Ordered::getOrder).toList();
        List<Integer> actuator = service.beans(WebFluxEndpointHandlerMapping.class).stream().map(Ordered::getOrder)
                .toList();
        assertThat(routes).hasSize(1);
        assertThat(actuator).hasSize(1);
        assertThat(routes.get(0)).isLessThan(actuator.get(0));
        client.get().uri("/api/pitches/1").exchange().expectStatus().isOk().expectBody(Void.class);
        client.get().uri("/actuator/info").exchange().expectStatus().isOk().expectBody(Void.class);
        // Each HTTP request and query attempt is timed, without a long-task timer beside it.
        client.get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody(String.class)
                .value(body -> assertThat(body).contains("http_server_requests_seconds_count")
                        .doesNotContain("http_server_requests_active"));
    }

    private List<Long> browseAll(String firstUri, boolean checkOrder) {
        List<Long> ids = new ArrayList<>();
        String cursor = null;
        String previousCreatedAt = null;
        long previousId = Long.MAX_VALUE;
        int pages = 0;
        do {
            String uri = cursor == null ? firstUri : firstUri + "&cursor=" + cursor;
            Map<String, Object> page = client.get().uri(uri).exchange().expectStatus().isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                    .getResponseBody();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
            for (Map<String, Object> item : items) {
                long id = ((Number) item.get("id")).longValue();
                String createdAt = (String) item.get("createdAt");
                if (checkOrder && previousCreatedAt != null) {
                    int byTime = java.time.OffsetDateTime.parse(createdAt)
                            .compareTo(java.time.OffsetDateTime.parse(previousCreatedAt));
                    assertThat(byTime < 0 || (byTime == 0 && id < previousId))
                            .as("row %s follows row %s in (created_at, id) descending order", id, previousId).isTrue();
                }
                previousCreatedAt = createdAt;
                previousId = id;
                ids.add(id);
            }
            cursor = (String) page.get("nextCursor");
            pages++;
            assertThat(pages).as("pages").isLessThan(1000);
        } while (cursor != null);
        return ids.stream().filter(id -> id <= PITCHES).toList();
    }

    private List<Long> idsOnPrimary(String sql) {
        return service.bean(Flowgres.class).read(Query.named("it.ids").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .collectList().block(Duration.ofSeconds(30));
    }

    private void expectProblem(String uri, String parameter) {
        client.get().uri(uri).exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.parameter").isEqualTo(parameter)
                .jsonPath("$.status").isEqualTo(400);
    }

    private static long attempts(MeterRegistry registry, String query, String role) {
        return registry.find(QUERY_TIMER).tag("query", query).tag("role", role).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static Set<@Nullable String> nodesServing(MeterRegistry registry, String query) {
        Set<@Nullable String> nodes = new HashSet<>();
        registry.find(QUERY_TIMER).tag("query", query).timers()
                .forEach(timer -> nodes.add(timer.getId().getTag("node")));
        return nodes;
    }
}
