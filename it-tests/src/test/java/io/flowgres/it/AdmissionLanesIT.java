package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Query;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.admission.AdmissionFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The reference service's admission limit keeps reads and writes apart: writes stuck on the primary
 * (here behind a table lock, as behind a hung primary before it is found out) fill the write lane,
 * and further writes are refused at once, while reads, which replicas serve, are still admitted.
 * Under one limit for both, the stuck writes took every place and the reads were refused too.
 */
@FlowgresCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class AdmissionLanesIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PITCH = "{\"ownerId\":1,\"title\":\"%s\",\"logline\":\"L\",\"genre\":\"drama\","
            + "\"format\":\"short\",\"productionStage\":\"idea\"}";
    /** Each lane admits this many requests at once: the limit's floor and ceiling. */
    private static final int LIMIT = 2;

    private PostgresCluster cluster;
    @AutoClose
    private ReferenceService service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ReferenceService.start(cluster, 200, "--flowgres.admission.min-limit=" + LIMIT,
                "--flowgres.admission.max-limit=" + LIMIT, "--flowgres.cache.enabled=false");
    }

    @Test
    void writesStuckOnThePrimaryFillTheirLaneOnlyAndReadsAreStillAdmitted() throws Exception {
        PostgresNode primary = cluster.primary();
        Sinks.Empty<Void> unlock = Sinks.empty();
        List<CompletableFuture<HttpResponse<String>>> stuck = new ArrayList<>();
        try (Flowgres direct = Sql.direct(cluster, primary)) {
            // SHARE blocks inserts and, unlike ACCESS EXCLUSIVE, is not replayed on the replicas: reads
            // there go on as usual.
            Disposable lock = direct.transaction(Query.named("it.lock").withTimeout(Duration.ofSeconds(60)),
                            connection -> Flux.from(connection.createStatement("LOCK TABLE pitch IN SHARE MODE").execute())
                                    .flatMap(Result::getRowsUpdated)
                                    .thenMany(unlock.asMono()))
                    .subscribe();
            try {
                Await.until("the pitch table locked", () -> count(direct,
                        "SELECT count(*) FROM pg_locks WHERE relation = 'pitch'::regclass AND mode = 'ShareLock' "
                                + "AND granted") == 1, WAIT);
                for (int i = 0; i < LIMIT; i++) {
                    stuck.add(http.sendAsync(post("stuck-" + i), HttpResponse.BodyHandlers.ofString()));
                }
                Await.until("both writes waiting on the lock", () -> count(direct,
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == LIMIT, WAIT);

                HttpResponse<String> refused = http.send(post("refused"), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as("a write past its lane's limit").isEqualTo(503);
                assertThat(refused.body()).contains("Service overloaded");
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");

                for (String read : List.of("/api/pitches/1", "/api/pitches?limit=5", "/api/users/1")) {
                    HttpResponse<String> admitted = http.send(get(read), HttpResponse.BodyHandlers.ofString());
                    assertThat(admitted.statusCode()).as("a read beside the stuck writes: " + read).isEqualTo(200);
                }
                MeterRegistry meters = service.bean(MeterRegistry.class);
                assertThat(meters.get(AdmissionFilter.REJECTED).tag(AdmissionFilter.LANE, "write").counter().count())
                        .isEqualTo(1.0);
                assertThat(meters.get(AdmissionFilter.REJECTED).tag(AdmissionFilter.LANE, "read").counter().count())
                        .isZero();
                // Refused in the connection's pipeline, before WebFlux (and its observation) saw the request.
                assertThat(meters.find("http.server.requests").tag("status", "503").timers()).isEmpty();
            } finally {
                unlock.tryEmitEmpty();
                Await.until("the lock released", () -> lock.isDisposed() || count(direct,
                        "SELECT count(*) FROM pg_locks WHERE relation = 'pitch'::regclass AND mode = 'ShareLock'") == 0,
                        WAIT);
            }
        }
        // Admitted and only held up: once the lock is gone, the stuck writes are applied.
        for (CompletableFuture<HttpResponse<String>> write : stuck) {
            assertThat(write.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        }
        assertThat(Sql.countOnServer(cluster, cluster.primary(),
                "SELECT count(*) FROM pitch WHERE title LIKE 'stuck-%'")).isEqualTo(LIMIT);
        assertThat(Sql.countOnServer(cluster, cluster.primary(),
                "SELECT count(*) FROM pitch WHERE title = 'refused'")).as("the refused write").isZero();
    }

    private static long count(Flowgres direct, String sql) {
        return Long.parseLong(Sql.value(direct, sql));
    }

    private HttpRequest post(String title) {
        return HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/pitches"))
                .header("Content-Type", "application/json").timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(PITCH.formatted(title))).build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).timeout(WAIT).GET().build();
    }
}
