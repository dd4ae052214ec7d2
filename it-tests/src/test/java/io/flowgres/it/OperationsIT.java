package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.reference.admin.AdminAccess;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Metrics, the slow-query report and admin operations of the reference service on a real cluster.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class OperationsIT {

    /** The meter of every query attempt (the engine's own constant is internal). */
    private static final String QUERY_TIMER = "flowgres.query";

    private static final String TOKEN = "operations-it-token";

    @AutoClose
    private ReferenceService service;
    private WebTestClient client;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        service = ReferenceService.start(cluster, 500, "--reference.admin.token=" + TOKEN,
                "--reference.admin.diagnostics-enabled=true", "--flowgres.slow-query.threshold=250ms",
                // Reads by id must reach the replicas to show the drain, not a cache filled on the primary.
                "--flowgres.cache.enabled=false");
        client = service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void prometheusHasTheNamedMetricsWithSensibleValuesAfterALoad() {
        for (int i = 1; i <= 60; i++) {
            client.get().uri("/api/pitches/{id}", i).exchange().expectStatus().isOk().expectBody(Void.class);
        }
        client.post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("ownerId", 999_999, "title", "x", "logline", "y", "genre", "drama", "format",
                        "feature", "productionStage", "idea"))
                .exchange().expectStatus().isBadRequest().expectBody(Void.class);

        String metrics = client.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(value(metrics, "r2dbc_pool_max_allocated", "name=\"primary\"")).isEqualTo(3.0);
        assertThat(value(metrics, "flowgres_pool_utilisation", "node=\"replica-1\"")).isBetween(0.0, 1.0);
        assertThat(value(metrics, "r2dbc_pool_acquired", "name=\"replica-2\"")).isBetween(0.0, 3.0);
        assertThat(value(metrics, "r2dbc_pool_idle", "name=\"replica-1\"")).isBetween(0.0, 3.0);
        assertThat(value(metrics, "r2dbc_pool_pending", "name=\"primary\"")).isZero();
        assertThat(value(metrics, "flowgres_pool_health", "node=\"replica-1\"")).isBetween(0.0, 2.0);
        assertThat(value(metrics, "flowgres_pool_acquire_seconds_count", "node=\"replica-1\"",
                "outcome=\"success\"")).isGreaterThan(0);
        assertThat(value(metrics, "flowgres_pool_events_total", "node=\"replica-1\"", "event=\"created\""))
                .isPositive();
        assertThat(value(metrics, "flowgres_pool_events_total", "node=\"primary\"", "event=\"acquire_failed\""))
                .isZero();
        assertThat(metrics).contains("event=\"destroyed\"", "event=\"create_failed\"");
        assertThat(value(metrics, "flowgres_query_seconds_count", "query=\"pitches.byId\"")).isGreaterThan(0);
        // Prometheus gets the histogram (p50/p95/p99 by histogram_quantile); other registries the percentiles.
        assertThat(value(metrics, "flowgres_query_seconds_bucket", "query=\"pitches.byId\"", "le=\"+Inf\""))
                .isPositive();
        Timer byId = service.bean(Flowgres.class).meterRegistry().find(QUERY_TIMER)
                .tag("query", "pitches.byId").tag("outcome", "success").timer();
        assertThat(byId).isNotNull();
        assertThat(byId.takeSnapshot().percentileValues()).extracting(v -> v.percentile())
                .containsExactly(0.5, 0.95, 0.99);
        assertThat(value(metrics, "flowgres_errors_total", "sqlstate_class=\"23\"")).isGreaterThanOrEqualTo(1.0);
        assertThat(metrics).contains("resilience4j_circuitbreaker_state");
    }

    @Test
    void slowQueryReportCatchesPgSleepWithoutParameterValues() {
        String label = "secret-label-7731";
        client.get().uri("/api/admin/diagnostics/sleep?millis=400&label={label}", label)
                .header(AdminAccess.HEADER, TOKEN).exchange().expectStatus().isOk().expectBody(Void.class);

        // The attempt is recorded as its stream terminates, which may be just after the response went out.
        String[] report = {""};
        Await.until("diagnostics.sleep in the slow-query report", () -> {
            report[0] = client.get().uri("/api/admin/slow-queries?limit=5").header(AdminAccess.HEADER, TOKEN)
                    .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
            return report[0].contains("diagnostics.sleep");
        }, Duration.ofSeconds(5));

        assertThat(report[0]).contains("\"query\":\"diagnostics.sleep\"").contains("\"thresholdMillis\":250")
                .doesNotContain(label).doesNotContain("pg_sleep");
        client.get().uri("/api/admin/slow-queries").header(AdminAccess.HEADER, TOKEN).exchange().expectBody()
                .jsonPath("$.byCount[0].query").isEqualTo("diagnostics.sleep")
                .jsonPath("$.byTotalTime[0].query").isEqualTo("diagnostics.sleep")
                .jsonPath("$.byCount[0].count").isEqualTo(1);
    }

    @Test
    void adminRoutesNeedTheTokenAndNodeDetailsToo() {
        client.get().uri("/api/admin/slow-queries").exchange().expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON).expectBody(Void.class);
        client.get().uri("/api/admin/slow-queries").header(AdminAccess.HEADER, "wrong").exchange().expectStatus()
                .isUnauthorized().expectBody(Void.class);
        client.get().uri("/api/health/deep").header(AdminAccess.HEADER, TOKEN).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.nodes.length()").isEqualTo(3)
                .jsonPath("$.nodes[0].pool.max").isEqualTo(3)
                .jsonPath("$.nodes[1].lagBytes").isNumber();
        client.get().uri("/api/health/deep").exchange().expectStatus().isOk().expectBody().jsonPath("$.nodes")
                .doesNotExist();
    }

    @Test
    void drainedReplicaLeavesRotationAndComesBack() {
        MeterRegistry registry = service.bean(Flowgres.class).meterRegistry();
        client.post().uri("/api/admin/nodes/replica-1/drain?waitSeconds=10").header(AdminAccess.HEADER, TOKEN)
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.drained").isEqualTo(true).jsonPath("$.idle").isEqualTo(true);
        try {
            long before = attempts(registry, "replica-1");
            for (int i = 1; i <= 20; i++) {
                client.get().uri("/api/pitches/{id}", i).exchange().expectStatus().isOk().expectBody(Void.class);
            }
            assertThat(attempts(registry, "replica-1")).as("reads on the drained replica").isEqualTo(before);
        } finally {
            client.post().uri("/api/admin/nodes/replica-1/undrain").header(AdminAccess.HEADER, TOKEN).exchange()
                    .expectStatus().isOk().expectBody(Void.class);
        }
        // Back in rotation, it takes reads again once the balancer weighs it against the other replica: at
        // once when their latency averages are alike, after a few probes when its own still holds a slow
        // first answer (a cold backend's), which leaves it alone as an outlier meanwhile.
        long before = attempts(registry, "replica-1");
        int[] id = {0};
        Await.until("a read on replica-1 after the undrain", () -> {
            client.get().uri("/api/pitches/{id}", 1 + id[0]++ % 500).exchange().expectStatus().isOk()
                    .expectBody(Void.class);
            return attempts(registry, "replica-1") > before;
        }, Duration.ofSeconds(30));

        client.post().uri("/api/admin/nodes/primary/drain").header(AdminAccess.HEADER, TOKEN).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.parameter").isEqualTo("node");
        client.post().uri("/api/admin/nodes/nope/undrain").header(AdminAccess.HEADER, TOKEN).exchange()
                .expectStatus().isBadRequest().expectBody(Void.class);
        client.post().uri("/api/admin/nodes/replica-2/breaker/reset").header(AdminAccess.HEADER, TOKEN).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.breaker").isEqualTo("CLOSED");
        client.post().uri("/api/admin/caches/clear").header(AdminAccess.HEADER, TOKEN).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.cleared").isEqualTo(1);
    }

    private static long attempts(MeterRegistry registry, String node) {
        return registry.find(QUERY_TIMER).tag("query", "pitches.byId").tag("node", node).timers()
                .stream().mapToLong(Timer::count).sum();
    }

    /** The value of the first sample of a metric whose labels contain every given text. */
    private static double value(String exposition, String metric, String... labels) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)").matcher(exposition);
        while (matcher.find()) {
            String found = matcher.group(1);
            if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
                return Double.parseDouble(matcher.group(2));
            }
        }
        throw new AssertionError("no sample of " + metric + " with " + String.join(", ", labels) + " in "
                + exposition.lines().filter(line -> line.startsWith(metric)).limit(8).toList());
    }
}
