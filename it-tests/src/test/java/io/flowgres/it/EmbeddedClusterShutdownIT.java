package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * {@code SIGTERM} to the reference service on its embedded cluster, as the README runs it, while a
 * request is being served: the web server's graceful shutdown lets the request finish, and only then do
 * the embedded PostgreSQL servers stop. (They used to stop at once, from a JVM shutdown hook of their
 * own that ran beside Spring Boot's, cutting off the request they served.) {@link ShutdownIT} checks the
 * graceful shutdown itself, on an external cluster.
 */
final class EmbeddedClusterShutdownIT {

    /** About 50 MB of NDJSON: more than socket buffers hold, so the export is still running at SIGTERM. */
    private static final int PITCHES = 200_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aRunningExportFinishesBeforeTheEmbeddedClusterStops() throws Exception {
        try (ForkedReferenceService service = ForkedReferenceService.startEmbedded(PITCHES,
                "--flowgres.embedded.replicas=1", "--flowgres.cache.enabled=false",
                // No demo-data snapshot: the service's jar is on this classpath, and one would be saved beside it.
                "--flowgres.embedded.snapshot.directory=")) {
            HttpRequest export = HttpRequest.newBuilder(service.uri("/api/pitches/export"))
                    .header("Accept", "application/x-ndjson").timeout(Duration.ofMinutes(2)).build();
            HttpResponse<InputStream> response = http.send(export, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            int rows = 0;
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(reader.readLine()).startsWith("{\"id\":");
                rows++;

                service.terminate();

                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    assertThat(line).startsWith("{\"id\":");
                    rows++;
                }
            } catch (IOException cutOff) {
                throw new AssertionError("the export was cut off after " + rows + " rows; see "
                        + service.log().toAbsolutePath(), cutOff);
            }

            assertThat(rows).as("rows of the export running at SIGTERM").isEqualTo(PITCHES);
            assertThat(service.awaitExit(Duration.ofSeconds(60))).as("the service exited by itself").isTrue();
            assertThat(Files.readString(service.log())).as("the service's log")
                    .contains("Stopping the local PostgreSQL cluster");
        }
    }
}
