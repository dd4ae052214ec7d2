package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The reference service on its embedded cluster with a demo-data snapshot (issue #16: start-up), as the
 * README runs it: the first start seeds and saves the snapshot, the next starts from it with the same
 * data on every node and nothing written meanwhile, and other seed settings never use it.
 */
final class DemoDataSnapshotIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path snapshots;

    @Test
    void theSecondStartServesTheFirstStartsSeedFromTheSnapshot() {
        String directory = "--flowgres.embedded.snapshot.directory=" + snapshots.resolve("demo");
        String seeded;
        try (ReferenceService first = ReferenceService.startEmbedded(directory, "--reference.pitches=600",
                "--flowgres.embedded.replicas=1")) {
            assertThat(first.bean(LocalCluster.class).startedFromSnapshot()).isFalse();
            assertThat(snapshots.resolve("demo").resolve("snapshot.properties")).exists();
            seeded = pitch(first, 7);
            // Written after the snapshot: a later start must not see it.
            first.client().post().uri("/api/pitches").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"ownerId\":1,\"title\":\"After the snapshot\",\"logline\":\"Written later.\","
                            + "\"genre\":\"drama\",\"format\":\"feature\",\"productionStage\":\"idea\"}")
                    .exchange().expectStatus().isCreated().expectBody().returnResult(); // body read, buffer released
            assertThat(count(first.bean(LocalCluster.class).primary(), "SELECT count(*) FROM pitch")).isEqualTo(601);
        }

        try (ReferenceService second = ReferenceService.startEmbedded(directory, "--reference.pitches=600",
                "--flowgres.embedded.replicas=2")) {
            LocalCluster cluster = second.bean(LocalCluster.class);
            assertThat(cluster.startedFromSnapshot()).isTrue();
            assertThat(pitch(second, 7)).isEqualTo(seeded);
            for (LocalNode node : cluster.nodes()) {
                assertThat(count(node, "SELECT count(*) FROM pitch")).as(node.name()).isEqualTo(600);
                assertThat(count(node, "SELECT count(*) FROM flyway_schema_history WHERE success"))
                        .as("migrated, on " + node.name()).isEqualTo(3);
            }
        }

        try (ReferenceService other = ReferenceService.startEmbedded(directory, "--reference.pitches=300",
                "--flowgres.embedded.replicas=0")) {
            assertThat(other.bean(LocalCluster.class).startedFromSnapshot()).as("another seed, another label")
                    .isFalse();
            assertThat(count(other.bean(LocalCluster.class).primary(), "SELECT count(*) FROM pitch")).isEqualTo(300);
        }
        try (var files = Files.list(snapshots)) {
            assertThat(files.map(file -> file.getFileName().toString()).toList()).containsExactly("demo");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pitch(ReferenceService service, long id) {
        return service.client().mutate().responseTimeout(WAIT).build().get().uri("/api/pitches/" + id).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    private static long count(LocalNode node, String sql) {
        PostgresqlConnectionFactory factory = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration
                .builder().host(node.host()).port(node.port()).database("flowgres").username("flowgres")
                .password("flowgres").build());
        return Mono.usingWhen(factory.create(), connection -> Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map(row -> row.get(0, Long.class))).next(), connection -> connection.close())
                .block(WAIT);
    }

}
