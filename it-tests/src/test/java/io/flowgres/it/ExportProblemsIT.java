package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.routing.Route;
import io.flowgres.web.paging.ExportLimiter;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import io.flowgres.test.FlowgresCluster;
import reactor.core.publisher.Flux;

/**
 * Exports that cannot be served say so the way a client can tell: over the per-instance limit, a 503
 * with {@code Retry-After} at once, without waiting for a running export; with no database, the
 * problem a read by id would get (503, {@code application/problem+json}, {@code Retry-After}), not a
 * bare 500; and after rows were already sent, a last NDJSON line {@code {"error":{...}}}. Every permit
 * comes back, whether the export completed, failed or was abandoned by its client.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ExportProblemsIT {

    // About 12 MB of NDJSON: more than socket buffers hold, so an export a client stops reading stays open.
    private static final int PITCHES = 50_000;
    private static final String EXPORT_QUERY = "SELECT id, owner_id%";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PostgresCluster cluster;
    @AutoClose
    private ReferenceService service;
    private ExportLimiter exports;

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, PITCHES, "--reference.export-limit=1",
                "--flowgres.routing.probe-interval=200ms");
        exports = service.bean(ExportLimiter.class);
    }

    @Test
    void anExportOverTheLimitIsRefusedAtOnceAndThePermitComesBack() throws Exception {
        awaitNoExportRunning();
        HttpResponse<InputStream> first = http.send(export("/api/pitches/export?sort=title", "application/x-ndjson"),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(first.statusCode()).isEqualTo(200);
        try (BufferedReader reader = reader(first)) {
            assertThat(reader.readLine()).startsWith("{\"id\":");
            assertThat(exports.running()).isEqualTo(1);

            // The first export stays open while its client reads no more; these are answered without waiting.
            for (String accept : List.of("application/x-ndjson", "text/event-stream")) {
                HttpResponse<String> refused = http.send(export("/api/pitches/export?genre=drama", accept),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(accept).isEqualTo(503);
                assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(refused.body()).contains("\"title\":\"Service busy\"")
                        .contains("at most 1 exports run at once on this instance");
            }
        }
        awaitNoExportRunning();

        long owned = countOnPrimary("SELECT count(*) FROM pitch WHERE owner_id = 3");
        HttpResponse<Stream<String>> complete = http.send(export("/api/pitches/export?owner=3", "application/x-ndjson"),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(complete.statusCode()).isEqualTo(200);
        try (Stream<String> lines = complete.body()) {
            assertThat(lines.filter(line -> line.startsWith("{\"id\":")).count()).isEqualTo(owned);
        }
        awaitNoExportRunning();
    }

    @Test
    void anExportFailingBeforeItsFirstRowIsTheProblemOfTheFailure() throws Exception {
        awaitNoExportRunning();
        List<? extends PostgresNode> nodes = cluster.nodes();
        nodes.forEach(PostgresNode::stop);
        try {
            for (String accept : List.of("application/x-ndjson", "text/event-stream")) {
                HttpResponse<String> response = http.send(export("/api/pitches/export?genre=comedy", accept),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(accept).isEqualTo(503);
                assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(response.body()).contains("\"status\":503").contains("\"title\":\"Database unavailable\"");
            }
            awaitNoExportRunning();
        } finally {
            nodes.forEach(PostgresNode::start);
            await(() -> health().contains("\"status\":\"UP\""), Duration.ofSeconds(60), "the service to see the cluster up");
        }
    }

    @Test
    void anExportFailingAfterItsFirstRowEndsWithAnErrorLine() throws Exception {
        awaitNoExportRunning();
        HttpResponse<InputStream> response = http.send(export("/api/pitches/export?sort=title",
                "application/x-ndjson"), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = reader(response)) {
            lines.add(reader.readLine());
            await(() -> terminateExports() > 0, Duration.ofSeconds(30), "the export's backend to be terminated");
            // Read on a thread of its own, so that an export that never ends fails this test instead of hanging
            // the build (an HTTP client's timeout covers the response's headers, not its body).
            ExecutorService reading = Executors.newSingleThreadExecutor();
            try {
                Future<List<String>> rest = reading.submit(() -> {
                    List<String> read = new ArrayList<>();
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        read.add(line);
                    }
                    return read;
                });
                lines.addAll(rest.get(2, TimeUnit.MINUTES));
            } catch (TimeoutException e) {
                throw new AssertionError("the export neither ended nor failed within 2 minutes of its backend's "
                        + "termination; lines read: " + lines.size() + ", exports running: " + exports.running(), e);
            } finally {
                reading.shutdownNow();
            }
        }

        assertThat(lines.size()).as("the export ended early").isLessThan(PITCHES);
        assertThat(lines.subList(0, lines.size() - 1)).allMatch(line -> line.startsWith("{\"id\":"));
        assertThat(lines.get(lines.size() - 1)).as("the last line says the export failed")
                .startsWith("{\"error\":{").contains("\"status\":").contains("\"title\":");
        awaitNoExportRunning();
    }

    private HttpRequest export(String path, String accept) {
        return HttpRequest.newBuilder(java.net.URI.create(service.baseUrl() + path)).header("Accept", accept)
                .timeout(Duration.ofMinutes(2)).build();
    }

    private static BufferedReader reader(HttpResponse<InputStream> response) {
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    private void awaitNoExportRunning() {
        await(() -> exports.running() == 0, Duration.ofSeconds(30), "every export permit to be returned");
    }

    private String health() {
        try {
            return http.send(HttpRequest.newBuilder(java.net.URI.create(service.baseUrl() + "/api/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private long countOnPrimary(String sql) {
        Long count = service.bean(Flowgres.class).read(Query.named("it.count").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .blockLast(Duration.ofSeconds(30));
        return count == null ? 0 : count;
    }

    /** Ends the backends of running exports on every node, as a crash or an operator would. */
    private long terminateExports() {
        long terminated = 0;
        for (PostgresNode node : cluster.nodes()) {
            terminated += Sql.countOnServer(cluster, node, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    + "WHERE query LIKE '" + EXPORT_QUERY + "' AND application_name <> '" + Sql.DIRECT + "'");
        }
        return terminated;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }
}
