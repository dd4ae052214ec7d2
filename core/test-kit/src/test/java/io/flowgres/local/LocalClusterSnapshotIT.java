package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusters started from a saved data snapshot (issue #16: start-up): every node holds the saved data,
 * replication runs on from it, spare copies are renamed into place and made again on close, the
 * snapshot itself is never changed, a snapshot of another label,
 * another password or a damaged one is never used, and a directory of anything else is never replaced.
 */
final class LocalClusterSnapshotIT {

    @TempDir
    Path snapshots;

    @Test
    void aClusterStartedFromTheSnapshotHoldsItsDataOnEveryNodeAndReplicatesOn() {
        Path directory = snapshots.resolve("seeded");
        try (LocalCluster first = LocalCluster.builder().replicas(1).snapshot(directory, "seed-1").start()) {
            assertThat(first.startedFromSnapshot()).isFalse();
            execute(first, first.primary(), "CREATE TABLE seeded AS SELECT g AS id FROM generate_series(1, 1000) g");
            first.saveSnapshot();
            execute(first, first.primary(), "INSERT INTO seeded VALUES (-1)"); // after the save: not in it
        }
        assertThat(directory.resolve("snapshot.properties")).exists();
        assertThat(siblings(directory)).containsExactly("seeded"); // no staged or replaced copy left behind
        assertThat(spares(directory)).as("one spare copy per node, left by close for the next start").isEqualTo(2);

        try (LocalCluster second = LocalCluster.builder().replicas(2).snapshot(directory, "seed-1").start()) {
            assertThat(second.startedFromSnapshot()).isTrue();
            assertThat(spares(directory)).as("both spares renamed into place, the third node copied").isZero();
            for (LocalNode node : second.nodes()) {
                assertThat(query(second, node, "SELECT count(*)::text FROM seeded")).containsExactly("1000");
            }
            for (LocalNode replica : second.replicas()) {
                assertThat(query(second, replica, "SELECT pg_is_in_recovery()::text")).containsExactly("true");
            }
            execute(second, second.primary(), "INSERT INTO seeded VALUES (1001)");
            second.awaitReplication(Duration.ofSeconds(30));
            for (LocalNode replica : second.replicas()) {
                assertThat(query(second, replica, "SELECT count(*)::text FROM seeded")).containsExactly("1001");
            }
        }

        assertThat(spares(directory)).isEqualTo(3);
        // The second cluster's write went to its copies, not into the snapshot or its spares.
        try (LocalCluster third = LocalCluster.builder().replicas(0).snapshot(directory, "seed-1").start()) {
            assertThat(third.startedFromSnapshot()).isTrue();
            assertThat(query(third, third.primary(), "SELECT count(*)::text FROM seeded")).containsExactly("1000");
        }
    }

    @Test
    void aSnapshotOfAnotherLabelOrPasswordIsNotUsedAndIsReplacedOnSave() {
        Path directory = snapshots.resolve("labelled");
        try (LocalCluster first = LocalCluster.builder().replicas(0).snapshot(directory, "v1").start()) {
            execute(first, first.primary(), "CREATE TABLE from_v1 (id int)");
            first.saveSnapshot();
        }
        try (LocalCluster otherPassword = LocalCluster.builder().replicas(0).password("another")
                .snapshot(directory, "v1").start()) {
            assertThat(otherPassword.startedFromSnapshot()).isFalse();
        }
        try (LocalCluster second = LocalCluster.builder().replicas(0).snapshot(directory, "v2").start()) {
            assertThat(second.startedFromSnapshot()).isFalse();
            assertThat(query(second, second.primary(),
                    "SELECT count(*)::text FROM pg_tables WHERE tablename = 'from_v1'")).containsExactly("0");
            execute(second, second.primary(), "CREATE TABLE from_v2 (id int)");
            second.saveSnapshot();
        }
        try (LocalCluster third = LocalCluster.builder().replicas(0).snapshot(directory, "v2").start()) {
            assertThat(third.startedFromSnapshot()).isTrue();
            assertThat(query(third, third.primary(),
                    "SELECT string_agg(tablename, ',')::text FROM pg_tables WHERE tablename LIKE 'from_v%'"))
                    .containsExactly("from_v2");
        }
        assertThat(siblings(directory)).containsExactly("labelled");
    }

    @Test
    void aDamagedSnapshotFallsBackToAnEmptyCluster() throws IOException {
        Path directory = snapshots.resolve("damaged");
        try (LocalCluster first = LocalCluster.builder().replicas(0).snapshot(directory, "x").start()) {
            first.saveSnapshot();
        }
        Files.delete(directory.resolve("data").resolve("global").resolve("pg_control"));
        FileTrees.delete(directory.resolve("spares")); // copies made before the damage would start

        try (LocalCluster second = LocalCluster.builder().replicas(1).snapshot(directory, "x").start()) {
            assertThat(second.startedFromSnapshot()).isFalse();
            assertThat(query(second, second.replicas().get(0), "SELECT pg_is_in_recovery()::text"))
                    .containsExactly("true");
        }
    }

    @Test
    void savingNeedsASnapshotDirectory() {
        try (LocalCluster cluster = LocalCluster.builder().replicas(0).start()) {
            assertThat(cluster.startedFromSnapshot()).isFalse();
            assertThatThrownBy(cluster::saveSnapshot).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no snapshot directory");
        }
    }

    @Test
    void aDirectoryHoldingSomethingElseIsNeverReplaced() throws IOException {
        Path directory = Files.createDirectories(snapshots.resolve("not-a-snapshot"));
        Files.writeString(directory.resolve("precious.txt"), "keep me");
        try (LocalCluster cluster = LocalCluster.builder().replicas(0).snapshot(directory, "x").start()) {
            assertThat(cluster.startedFromSnapshot()).isFalse();
            assertThatThrownBy(cluster::saveSnapshot).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not replacing it");
        }
        assertThat(Files.readString(directory.resolve("precious.txt"))).isEqualTo("keep me");
        assertThat(siblings(directory)).containsExactly("not-a-snapshot");
    }

    private static long spares(Path directory) {
        try (Stream<Path> files = Files.list(directory.resolve("spares"))) {
            return files.filter(file -> !file.getFileName().toString().startsWith(".")).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> siblings(Path directory) {
        try (Stream<Path> files = Files.list(directory.getParent())) {
            return files.map(file -> file.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(LocalCluster cluster, LocalNode node, String sql) {
        BlockingSql.execute(node.sql(cluster.database()), sql);
    }

    private static List<String> query(LocalCluster cluster, LocalNode node, String sql) {
        return BlockingSql.query(node.sql(cluster.database()), sql, row -> String.valueOf(row.get(0)));
    }
}
