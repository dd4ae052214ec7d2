package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The launcher against real PostgreSQL servers: replication, and each way of breaking a node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class LocalClusterIT {

    private LocalCluster cluster;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
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
    @Order(1)
    void aRowWrittenOnThePrimaryIsReadOnEveryReplica() {
        execute(cluster.primary(), "CREATE TABLE launcher_check (id int PRIMARY KEY, note text)");
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
    @Order(2)
    void replicasAreReadOnly() {
        assertThatThrownBy(() -> execute(cluster.replicas().get(0), "INSERT INTO launcher_check VALUES (2, 'no')"))
                .hasMessageContaining("read-only");
    }

    @Test
    @Order(3)
    void applyDelayCreatesRealLagUntilRemoved() {
        LocalNode replica = cluster.replicas().get(0);
        replica.setApplyDelay(Duration.ofSeconds(30));
        execute(cluster.primary(), "INSERT INTO launcher_check VALUES (3, 'delayed')");
        cluster.replicas().get(1).sql(cluster.database()); // the other replica is unaffected
        awaitRow(cluster.replicas().get(1), 3);

        assertThat(strings(replica, "SELECT count(*)::text FROM launcher_check WHERE id = 3")).containsExactly("0");

        replica.setApplyDelay(Duration.ZERO);
        awaitRow(replica, 3);
    }

    @Test
    @Order(4)
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
    @Order(5)
    void killedAndStoppedReplicasComeBackAndCatchUp() {
        LocalNode replica = cluster.replicas().get(0);
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
    }

    @Test
    @Order(6)
    void replicasReconnectAfterThePrimaryIsKilledAndRestarted() {
        cluster.primary().kill();
        cluster.primary().start();
        execute(cluster.primary(), "INSERT INTO launcher_check VALUES (7, 'after primary crash')");
        for (LocalNode replica : cluster.replicas()) {
            awaitRow(replica, 7);
        }
        cluster.primary().restart();
        execute(cluster.primary(), "INSERT INTO launcher_check VALUES (8, 'after primary restart')");
        cluster.awaitReplication(Duration.ofSeconds(60));
        for (LocalNode replica : cluster.replicas()) {
            assertThat(strings(replica, "SELECT count(*)::text FROM launcher_check WHERE id = 8")).containsExactly("1");
        }
    }

    @Test
    @Order(7)
    void promotedReplicaAcceptsWrites() {
        LocalNode replica = cluster.replicas().get(1);
        replica.promote();

        assertThat(replica.isReplica()).isFalse();
        assertThat(strings(replica, "SELECT pg_is_in_recovery()::text")).containsExactly("false");
        execute(replica, "INSERT INTO launcher_check VALUES (100, 'on the promoted node')");
        assertThat(strings(replica, "SELECT note FROM launcher_check WHERE id = 100"))
                .containsExactly("on the promoted node");
    }

    private void awaitRow(LocalNode node, int id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!strings(node, "SELECT count(*)::text FROM launcher_check WHERE id = " + id).equals(List.of("1"))) {
            assertThat(System.nanoTime()).as("row %s reached %s in time", id, node.name()).isLessThan(deadline);
            sleep();
        }
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
