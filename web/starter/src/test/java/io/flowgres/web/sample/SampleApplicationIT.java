package io.flowgres.web.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Query;
import io.flowgres.routing.Balancer;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/**
 * A separate application on the starter alone ({@link InventoryApplication}: its own
 * {@code @SpringBootApplication}, routes, YAML and Flyway migrations), run against a real primary
 * with a streaming replica, and used through HTTP: its migrations run and the reference service's
 * do not; its reads come from the replica; it pages and exports its own table with the starter's
 * browse pieces; Actuator shows the {@code flowgres} endpoint and health group; Prometheus shows
 * pool, cache, breaker and query meters; an observation handler sees one observation per attempt; a
 * cached read honours the client's consistency header. Every response body is read, also of errors: an unread one
 * would hold its Netty buffers, which the leak check reports.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class SampleApplicationIT {

    private static final int ITEMS = 30;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private ConfigurableApplicationContext application;
    private WebTestClient http;

    SampleApplicationIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        PostgresNode primary = cluster.primary();
        application = new SpringApplicationBuilder(InventoryApplication.class, ObservedAttempts.class)
                .properties("spring.config.name=inventory")
                .run("--server.port=0", "--server.address=127.0.0.1",
                        "--flowgres.primary.url=" + primary.r2dbcUrl(),
                        "--flowgres.replicas[0].url=" + cluster.replicas().get(0).r2dbcUrl(),
                        "--flowgres.replicas[1].url=" + cluster.replicas().get(1).r2dbcUrl(),
                        "--flowgres.username=" + cluster.user(), "--flowgres.password=" + cluster.password(),
                        "--spring.flyway.url=" + primary.jdbcUrl(), "--spring.flyway.user=" + cluster.user(),
                        "--spring.flyway.password=" + cluster.password());
        String port = application.getEnvironment().getProperty("local.server.port");
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(WAIT).build();
        Flowgres flowgres = application.getBean(Flowgres.class);
        flowgres.write(Query.named("items.seed"), connection -> Flux.from(connection.createStatement(
                                "INSERT INTO item (name, quantity, created_at) SELECT 'item-' || lpad(g::text, 2, '0'), g, "
                                        + "now() - g * interval '1 minute' FROM generate_series(1, " + ITEMS + ") g")
                        .execute()).flatMap(result -> result.getRowsUpdated()))
                .blockLast(WAIT);
        cluster.awaitReplication(WAIT);
    }

    /**
     * Lets the cache's next fills read on a replica: they do once a replica is seen to have replayed the
     * writer's position of a probe round begun since the cache was built or last cleared (a test clears
     * it through Actuator), and on the primary until then; two rounds from now make sure.
     */
    private void fillsReadOnReplicas() {
        // The writer's position in the first round must be one the replicas have, or they are not eligible yet.
        cluster.awaitReplication(WAIT);
        Flowgres flowgres = application.getBean(Flowgres.class);
        flowgres.probeNow().block(WAIT);
        flowgres.probeNow().block(WAIT);
    }

    @AfterAll
    void stop() {
        if (application != null) {
            application.close();
        }
    }

    @Test
    void itsOwnMigrationsRanAndTheReferenceServicesDidNot() {
        List<String> tables = application.getBean(Flowgres.class).read(Query.named("items.tables"),
                        connection -> Flux.from(connection.createStatement("SELECT table_name::text FROM "
                                + "information_schema.tables WHERE table_schema = 'public' ORDER BY 1").execute())
                                .flatMap(result -> result.map(row -> row.get(0, String.class))))
                .collectList().block(WAIT);
        assertThat(tables).contains("item", "flyway_schema_history").doesNotContain("pitch", "app_user");
        assertThat(getClass().getClassLoader().getResource("db/reference")).as("the demo's migrations").isNull();
    }

    @Test
    void anItemIsReadFromTheReplica() {
        fillsReadOnReplicas();
        Map<String, Object> item = http.get().uri("/items/1").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                .getResponseBody();
        assertThat(item).containsEntry("id", 1).containsEntry("fromReplica", true);
        http.get().uri("/items/999999").exchange().expectStatus().isNotFound().expectBody().returnResult();
    }

    @Test
    void itsTablePagesByKeysetWithTheStartersBrowser() {
        Set<Object> seen = new HashSet<>();
        List<Object> names = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String uri = "/items?sort=name&limit=7" + (cursor == null ? "" : "&cursor=" + cursor);
            Map<String, Object> page = http.get().uri(uri).exchange().expectStatus().isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                    .getResponseBody();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
            items.forEach(item -> {
                assertThat(seen.add(item.get("id"))).as("item %s seen once", item.get("id")).isTrue();
                names.add(item.get("name"));
                assertThat(item).containsEntry("fromReplica", true);
            });
            cursor = (String) page.get("nextCursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).hasSize(ITEMS);
        assertThat(pages).isEqualTo(5);
        assertThat(names).isSortedAccordingTo((a, b) -> ((String) a).compareTo((String) b));

        http.get().uri("/items?sort=price").exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("sort must be one of"));
        http.get().uri("/items?limit=51").exchange().expectStatus().isBadRequest().expectBody().returnResult();
        http.get().uri("/items?cursor=forged").exchange().expectStatus().isBadRequest().expectBody().returnResult();
    }

    @Test
    void itsTableExportsAsNdjson() {
        List<String> lines = http.get().uri("/items/export?sort=newest").accept(MediaType.APPLICATION_NDJSON)
                .exchange().expectStatus().isOk().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                .returnResult(String.class).getResponseBody().collectList().block(WAIT);
        assertThat(lines).hasSize(ITEMS);
        assertThat(lines.get(0)).contains("\"name\":\"item-01\"");
    }

    @Test
    void actuatorShowsTheFlowgresEndpointAndHealthGroup() {
        http.get().uri("/actuator/flowgres").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.topology.nodes[*].name").value(names -> assertThat(names.toString())
                        .contains("primary", "replica-1", "replica-2"))
                .jsonPath("$.slowQueries.thresholdMillis").isNumber();
        http.post().uri("/actuator/flowgres/replica-1/drain").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.state.drained").isEqualTo(true);
        http.post().uri("/actuator/flowgres/replica-1/undrain").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.state.drained").isEqualTo(false);
        http.post().uri("/actuator/flowgres/nowhere/drain").exchange().expectStatus().isBadRequest().expectBody().returnResult();
        http.post().uri("/actuator/flowgres/replica-1/explode").exchange().expectStatus().isBadRequest().expectBody().returnResult();
        http.post().uri("/actuator/flowgres/clear-caches").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.cleared").isEqualTo(1);

        http.get().uri("/actuator/health/flowgres").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.flowgresCluster.status").isEqualTo("UP")
                .jsonPath("$.components.flowgresNodes.components.primary.status").isEqualTo("UP")
                .jsonPath("$.components.flowgresNodes.components['replica-1'].details.role").isEqualTo("replica");
    }

    @Test
    void anObservationHandlerSeesOneObservationPerAttempt() {
        fillsReadOnReplicas();
        AttemptRecorder recorder = application.getBean(AttemptRecorder.class);
        int before = recorder.stopped("items.byId").size();
        Map<String, Object> item = http.get().uri("/items/3").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                .getResponseBody();
        assertThat(item).containsEntry("id", 3);
        List<Observation.Context> attempts = recorder.stopped("items.byId");
        assertThat(attempts).hasSize(before + 1);
        Observation.Context attempt = attempts.get(attempts.size() - 1);
        assertThat(attempt.getName()).isEqualTo("flowgres.query.attempt");
        // The role of the server that answered, as it says itself (routing is anItemIsReadFromTheReplica's subject).
        assertThat(attempt.getLowCardinalityKeyValue("flowgres.role").getValue())
                .isEqualTo(Boolean.TRUE.equals(item.get("fromReplica")) ? "replica" : "primary");
        assertThat(attempt.getLowCardinalityKeyValue("flowgres.outcome").getValue()).isEqualTo("success");
        // A cached answer runs no attempt.
        http.get().uri("/items/3").exchange().expectStatus().isOk().expectBody().returnResult();
        assertThat(recorder.stopped("items.byId")).hasSize(before + 1);
    }

    @Test
    void everyWriteIsReadBackThroughTheConsistencyHeaderWhileTheReplicasLag() {
        cluster.replicas().forEach(replica -> replica.setApplyDelay(Duration.ofMillis(500)));
        try {
            // Without the header, a read right after a write goes to a lagging replica and misses it.
            String unseen = created("control");
            http.get().uri(unseen).exchange().expectStatus().isNotFound().expectBody().returnResult();
            for (int i = 0; i < 1000; i++) {
                // Every other write is a single auto-commit statement rather than a transaction.
                var created = http.post().uri(i % 2 == 0 ? "/movements" : "/movements?autoCommit")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("note", "fresh-" + i, "quantity", i)).exchange().expectStatus().isCreated()
                        .expectHeader().exists("Flowgres-Consistency").expectBody().returnResult();
                String token = created.getResponseHeaders().getFirst("Flowgres-Consistency");
                String location = created.getResponseHeaders().getLocation().toString();
                http.get().uri(location).header("Flowgres-Consistency", token).exchange()
                        .expectStatus().isOk().expectBody().jsonPath("$.note").isEqualTo("fresh-" + i);
            }
        } finally {
            cluster.replicas().forEach(replica -> replica.setApplyDelay(Duration.ZERO));
        }
        http.get().uri("/movements/1").header("Flowgres-Consistency", "0/1.forged").exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.parameter").isEqualTo("Flowgres-Consistency");
    }

    @Test
    void aCachedItemIsReadBackThroughTheConsistencyHeaderAfterAWriteAroundTheCache() {
        ParameterizedTypeReference<Map<String, Object>> json = new ParameterizedTypeReference<>() { };
        Map<String, Object> cached = http.get().uri("/items/4").exchange().expectStatus().isOk().expectBody(json)
                .returnResult().getResponseBody();
        // Written around the application's cache (another service, a migration): nothing invalidates the entry.
        application.getBean(Flowgres.class).write(Query.named("items.around-the-cache"), connection -> Flux.from(
                        connection.createStatement("UPDATE item SET quantity = 4004 WHERE id = 4").execute())
                .flatMap(result -> result.getRowsUpdated())).blockLast(WAIT);
        http.get().uri("/items/4").exchange().expectStatus().isOk().expectBody().jsonPath("$.quantity")
                .isEqualTo(cached.get("quantity"));
        // A client's later write gives a token that covers it: the starter's filter hands it to the cache.
        String token = http.post().uri("/movements").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("note", "after the write around the cache", "quantity", 1)).exchange()
                .expectStatus().isCreated().expectBody().returnResult().getResponseHeaders().getFirst("Flowgres-Consistency");
        http.get().uri("/items/4").header("Flowgres-Consistency", token).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.quantity").isEqualTo(4004);
    }

    private String created(String note) {
        return http.post().uri("/movements").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("note", note, "quantity", 1)).exchange().expectStatus().isCreated().expectBody()
                .returnResult().getResponseHeaders().getLocation().toString();
    }

    @Test
    void prometheusShowsPoolCacheBreakerAndQueryMeters() {
        http.get().uri("/items/2").exchange().expectStatus().isOk().expectBody().returnResult();
        http.get().uri("/items/2").exchange().expectStatus().isOk().expectBody().returnResult();
        String scrape = http.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody().collectList().map(parts -> String.join("", parts))
                .block(WAIT);
        assertThat(scrape).contains("r2dbc_pool_acquired{", "cache_gets_total{cache=\"items.byId\"",
                "resilience4j_circuitbreaker_state", "flowgres_query_seconds_count{",
                "query=\"items.byId\"");
    }

    @Test
    void theApplicationsBalancerPicksAmongTheReplicas() {
        fillsReadOnReplicas();
        CountingBalancer balancer = application.getBean(CountingBalancer.class);
        long before = balancer.picks.get();
        for (int id = 10; id < 20; id++) {
            http.get().uri("/items/" + id).exchange().expectStatus().isOk().expectBody().returnResult();
        }
        assertThat(balancer.picks.get()).as("picks by the application's balancer").isGreaterThan(before);
    }

    /**
     * Beans of the application's own: an observation handler, as a tracing bridge would be (Boot adds it
     * to the registry), and a balancer, which replaces the starter's.
     */
    @Configuration(proxyBeanMethods = false)
    static class ObservedAttempts {

        @Bean
        AttemptRecorder attemptRecorder() {
            return new AttemptRecorder();
        }

        @Bean
        CountingBalancer countingBalancer() {
            return new CountingBalancer();
        }
    }

    /** Round robin, counting its picks. */
    static final class CountingBalancer implements Balancer {

        private final Balancer roundRobin = Balancer.roundRobin();
        private final AtomicLong picks = new AtomicLong();

        @Override
        public Candidate pick(List<Candidate> eligible) {
            picks.incrementAndGet();
            return roundRobin.pick(eligible);
        }
    }

    /** Keeps every stopped Flowgres attempt. */
    static final class AttemptRecorder implements ObservationHandler<Observation.Context> {

        private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

        @Override
        public boolean supportsContext(Observation.Context context) {
            return "flowgres.query.attempt".equals(context.getName());
        }

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }

        List<Observation.Context> stopped(String query) {
            return stopped.stream().filter(context -> query.equals(
                    context.getLowCardinalityKeyValue("flowgres.query").getValue())).toList();
        }
    }
}
