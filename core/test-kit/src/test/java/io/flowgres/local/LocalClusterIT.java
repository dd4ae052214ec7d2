package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import io.flowgres.test.Await;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The launcher against real PostgreSQL servers: replication, and each way of breaking a node. Each
 * test writes its own rows and restores what it broke, so they run in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LocalClusterIT {

    private LocalCluster cluster;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
        execute(cluster.primary(), "CREATE TABLE launcher_check (id int PRIMARY KEY, note text)");
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
            assertThat(cluster.nodes()).noneMatch(LocalNode::isRunning);
            assertThat(cluster.workDirectory()).doesNotExist();
        }
    }

    @Test
    void aRowWrittenOnThePrimaryIsReadOnEveryReplica() {
        execute(cluster.primary(), "INSERT INTO launcher_check VALUES (1, 'replicated')");
        cluster.awaitReplication(Duration.ofSeconds(30));

        for (LocalNode replica : cluster.replicas()) {
            assertThat(strings(replica, "SELECT note FROM launcher_check WHERE id = 1")).containsExactly("replicated");
            assertThat(strings(replica, "SELECT pg_is_in_recovery()::text")).containsExactly("true");
        }
        assertThat(cluster.nodes()).extracting(LocalNode::host).containsOnly("127.0.0.1");
        assertThat(cluster.nodes()).extracting(LocalNode::port).doesNotHaveDuplicates();
        assertThat(cluster.primary().r2dbcUrl()).doesNotContain("@").doesNotContain("password");
    }

    @Test
    void replicasAreReadOnly() {
        assertThatThrownBy(() -> execute(cluster.replicas().get(0), "INSERT INTO launcher_check VALUES (2, 'no')"))
                .hasMessageContaining("read-only");
    }

    @Test
    void applyDelayCreatesRealLagUntilRemoved() {
        LocalNode replica = cluster.replicas().get(0);
        replica.setApplyDelay(Duration.ofSeconds(30));
        try {
            execute(cluster.primary(), "INSERT INTO launcher_check VALUES (3, 'delayed')");
            awaitRow(cluster.replicas().get(1), 3); // the other replica is unaffected

            assertThat(strings(replica, "SELECT count(*)::text FROM launcher_check WHERE id = 3"))
                    .containsExactly("0");
        } finally {
            replica.setApplyDelay(Duration.ZERO);
        }
        awaitRow(replica, 3);
    }

    @Test
    void pausedReplicaDoesNotAnswerUntilResumed() {
        LocalNode replica = cluster.replicas().get(1);
        replica.pause();
        try {
            PostgresqlConnectionFactory quick = BlockingSql.factory(replica.port(), cluster.database(), cluster.user(),
                    cluster.password(), Duration.ofMillis(500));
            assertThatThrownBy(() -> reactor.core.publisher.Mono.from(quick.create()).block(Duration.ofSeconds(2)))
                    .isNotNull();
            assertThat(replica.isPaused()).isTrue();
        } finally {
            replica.resume();
        }
        assertThat(strings(replica, "SELECT 'back'")).containsExactly("back");
    }

    @Test
    void killedAndStoppedReplicasComeBackAndCatchUp() {
        LocalNode replica = cluster.replicas().get(0);
        try {
            replica.kill();
            assertThat(replica.isRunning()).isFalse();
            execute(cluster.primary(), "INSERT INTO launcher_check VALUES (5, 'while killed')");
            replica.start();
            awaitRow(replica, 5);

            replica.stop();
            assertThat(replica.isRunning()).isFalse();
            execute(cluster.primary(), "INSERT INTO launcher_check VALUES (6, 'while stopped')");
            replica.start();
            awaitRow(replica, 6);
        } finally {
            if (!replica.isRunning()) {
                replica.start();
            }
        }
    }

    @Test
    void replicasReconnectAfterThePrimaryIsKilledAndRestarted() {
        LocalNode primary = cluster.primary();
        try {
            primary.kill();
            primary.start();
            execute(primary, "INSERT INTO launcher_check VALUES (7, 'after primary crash')");
            for (LocalNode replica : cluster.replicas()) {
                awaitRow(replica, 7);
            }
            primary.restart();
            execute(primary, "INSERT INTO launcher_check VALUES (8, 'after primary restart')");
            cluster.awaitReplication(Duration.ofSeconds(60));
            for (LocalNode replica : cluster.replicas()) {
                assertThat(strings(replica, "SELECT count(*)::text FROM launcher_check WHERE id = 8"))
                        .containsExactly("1");
            }
        } finally {
            if (!primary.isRunning()) {
                primary.start();
            }
        }
    }

    @Test
    void promotedReplicaAcceptsWrites() {
        // Its own cluster: a promoted replica never becomes a replica again.
        try (LocalCluster own = LocalCluster.start(1)) {
            BlockingSql.execute(own.primary().sql(own.database()), "CREATE TABLE promoted (id int PRIMARY KEY)");
            own.awaitReplication(Duration.ofSeconds(30));
            LocalNode replica = own.replicas().get(0);
            replica.promote();

            assertThat(replica.isReplica()).isFalse();
            assertThat(BlockingSql.query(replica.sql(own.database()), "SELECT pg_is_in_recovery()::text",
                    row -> String.valueOf(row.get(0)))).containsExactly("false");
            BlockingSql.execute(replica.sql(own.database()), "INSERT INTO promoted VALUES (100)");
            assertThat(BlockingSql.query(replica.sql(own.database()), "SELECT count(*)::text FROM promoted",
                    row -> String.valueOf(row.get(0)))).containsExactly("1");
        }
    }

    private void awaitRow(LocalNode node, int id) {
        Await.until("row " + id + " on " + node.name(),
                () -> strings(node, "SELECT count(*)::text FROM launcher_check WHERE id = " + id).equals(List.of("1")),
                Duration.ofSeconds(60));
    }

    private List<String> strings(LocalNode node, String sql) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return BlockingSql.query(node.sql(cluster.database()), sql, row -> String.valueOf(row.get(0)));
            } catch (RuntimeException e) {
                // A node that was just started may still be in recovery start-up.
                if (System.nanoTime() > deadline || String.valueOf(e.getMessage()).contains("read-only")) {
                    throw e;
                }
                sleep();
            }
        }
    }

    private void execute(LocalNode node, String sql) {
        BlockingSql.execute(node.sql(cluster.database()), sql);
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
