package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The launcher's last resort: the PostgreSQL binaries shipped in a Maven Central artifact, which
 * have no pg_basebackup, so the replica is made by a file-level copy of the running primary.
 */
final class EmbeddedBinariesIT {

    @Test
    void replicaMadeByFileCopyStreamsFromThePrimary() {
        PostgresBinaries binaries = PostgresBinaries.fromClasspathArtifact();
        assertThat(binaries.hasBaseBackup()).isFalse();

        try (LocalCluster cluster = LocalCluster.builder().binaries(binaries).replicas(1).start()) {
            BlockingSql.execute(cluster.primary().sql(cluster.database()),
                    "CREATE TABLE copied (id int PRIMARY KEY); INSERT INTO copied VALUES (1), (2)");
            cluster.awaitReplication(Duration.ofSeconds(60));

            LocalNode replica = cluster.replicas().get(0);
            assertThat(BlockingSql.query(replica.sql(cluster.database()), "SELECT count(*)::int FROM copied",
                    row -> row.get(0, Integer.class))).containsExactly(2);
            assertThat(BlockingSql.query(replica.sql(cluster.database()), "SHOW server_version_num",
                    row -> row.get(0, String.class)).get(0)).startsWith("17");
        }
    }
}
