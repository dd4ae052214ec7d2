package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export holds no result in memory: a million pitches stream as NDJSON out of a reference
 * service whose whole heap is 128 MiB (the body is about 240 MB, and the service exits on an
 * out-of-memory error), and a client that stops reading holds the database query back instead of
 * letting the service read ahead, so the first byte leaves before the result is complete.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ExportMemoryIT {

    private static final Logger log = LoggerFactory.getLogger(ExportMemoryIT.class);
    private static final int PITCHES = 1_000_000;
    private static final Pattern ID = Pattern.compile("^\\{\"id\":(\\d+),");
    private static final String EXPORT_QUERY = "SELECT id, owner_id%";
    private static final Duration BODY_DEADLINE = Duration.ofMinutes(3);

    private PostgresCluster cluster;
    @AutoClose
    private ForkedReferenceService service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startService(PostgresCluster cluster) {
        this.cluster = cluster;
        service = ForkedReferenceService.start(cluster, PITCHES, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void aMillionRowExportStreamsThroughA128MebibyteHeap() throws Exception {
        HttpResponse<Stream<String>> response = http.send(export("/api/pitches/export"),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/x-ndjson"));
        BitSet ids = new BitSet(PITCHES + 1);
        // A body that stops coming fails the test with the service's log named, instead of hanging the
        // build: the request timeout covers only the wait for the headers.
        long lines = assertTimeoutPreemptively(BODY_DEADLINE, () -> {
            try (Stream<String> body = response.body()) {
                return body.peek(line -> {
                    Matcher id = ID.matcher(line);
                    assertThat(id.find()).as("an NDJSON pitch: %s", line).isTrue();
                    ids.set(Integer.parseInt(id.group(1)));
                }).count();
            }
        }, () -> "the export did not end within " + BODY_DEADLINE + "; the service's threads are in "
                + service.dumpThreads());
        assertThat(lines).isEqualTo(PITCHES);
        assertThat(ids.cardinality()).as("every pitch exactly once").isEqualTo(PITCHES);
        assertThat(service.isAlive()).as("the service survived; see %s", service.log()).isTrue();
    }

    @Test
    void aClientThatStopsReadingHoldsTheQueryBackAndItsFirstByteCameEarly() throws Exception {
        long started = System.nanoTime();
        HttpResponse<InputStream> response = http.send(export("/api/pitches/export?genre=drama&sort=title"),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body();
                BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).startsWith("{\"id\":");
            long firstLineMillis = (System.nanoTime() - started) / 1_000_000;

            // The client reads no more. The 125,000 dramas are about 30 MB, which the service would read
            // from the database in a second or two; socket buffers hold a few megabytes, so the rest
            // must stay behind a query that has not finished, for as long as we look.
            int checks = Invariant.holdsFor("the export query waiting for the slow client",
                    () -> runningExports() == 1 && service.isAlive(), Duration.ofSeconds(6));
            log.info("First line of a 125,000-row export after {} ms; the query still ran 6 s later ({} checks)",
                    firstLineMillis, checks);
        }
        Await.until("closing the stream cancelled the query", () -> runningExports() == 0, Duration.ofSeconds(15));
    }

    private HttpRequest export(String path) {
        return HttpRequest.newBuilder(service.uri(path)).header("Accept", "application/x-ndjson")
                .timeout(Duration.ofMinutes(5)).build();
    }

    /** Export queries running (or suspended mid-result) on any node of the cluster. */
    private long runningExports() {
        long running = 0;
        for (PostgresNode node : Stream.concat(Stream.of(cluster.primary()), cluster.replicas().stream()).toList()) {
            running += Sql.countOnServer(cluster, node, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                    + "AND query LIKE '" + EXPORT_QUERY + "' AND application_name <> '" + Sql.DIRECT + "'");
        }
        return running;
    }
}
