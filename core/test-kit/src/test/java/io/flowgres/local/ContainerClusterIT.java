package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Ports;
import io.flowgres.test.Await;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The container cluster against real PostgreSQL servers in Docker: replication, and each way of
 * breaking a node, including the one only containers have (a partition). Skipped, with the reason
 * printed, only when no Docker engine answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ContainerClusterIT {

    /** How long a node that should answer at once may take; one that hangs is given this much. */
    private static final Duration SHORT = Duration.ofMillis(1500);
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    private static final String IMAGE = ContainerCluster.defaultImage(ContainerCluster.DEFAULT_POSTGRES_VERSION)
            .asCanonicalNameString();

    private ContainerCluster cluster;

    @BeforeAll
    void start() {
        // This test is about containers, whatever backend the other tests resolve to: it runs wherever a
        // Docker engine answers (in CI, the one .ci/run starts), and says why it does not otherwise.
        String reason = null;
        if (!ContainerCluster.isDockerAvailable()) {
            reason = "no Docker engine answers, or Testcontainers is missing";
        } else if (!imagePresent(IMAGE)) {
            // No registry may be reachable (CI has none): the image must be here already.
            reason = "the image " + IMAGE
                    + " is not in the engine; build one with core/test-kit/docker/build-image.sh and name it in "
                    + ContainerCluster.IMAGE_VARIABLE + ", or pull postgres:15";
        }
        if (reason != null) {
            System.out.println("ContainerClusterIT skipped: " + reason);
            Assumptions.abort(reason);
        }
        cluster = ContainerCluster.start(2);
    }

    private static boolean imagePresent(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @AfterAll
    void stop() {
        if (cluster == null) {
            return;
        }
        List<String> containers = new ArrayList<>();
        cluster.nodes().forEach(node -> containers.add(node.containerId()));
        String network = cluster.networkId();
        cluster.close();

        DockerClient docker = DockerClientFactory.instance().client();
        assertThat(docker.listContainersCmd().withShowAll(true).withIdFilter(containers).exec()).isEmpty();
        assertThat(docker.listNetworksCmd().withIdFilter(network).exec()).isEmpty();
    }

    @Test
    @Order(1)
    void rowsWrittenOnThePrimaryReachEveryReplica() {
        execute(cluster.primary(), "CREATE TABLE container_check (id int PRIMARY KEY, note text)");
        execute(cluster.primary(), "INSERT INTO container_check VALUES (1, 'replicated')");

        for (ContainerNode replica : cluster.replicas()) {
            awaitRow(replica, 1);
            assertThat(strings(replica, "SELECT pg_is_in_recovery()::text")).containsExactly("true");
        }
        cluster.awaitReplication(CATCH_UP);
        assertThat(cluster.nodes()).extracting(ContainerNode::name).containsExactly("primary", "replica-1", "replica-2");
        assertThat(cluster.nodes()).extracting(ContainerNode::port).doesNotHaveDuplicates();
        assertThat(cluster.primary().r2dbcUrl()).startsWith("r2dbc:postgresql://127.0.0.1:").doesNotContain("@");
        assertThat(cluster.clusterConfig().build().replicas()).hasSize(2);
        for (ContainerNode node : cluster.nodes()) {
            Map<?, Ports.Binding[]> published = node.container().getContainerInfo().getNetworkSettings().getPorts()
                    .getBindings();
            assertThat(published.values()).allSatisfy(bindings -> assertThat(bindings)
                    .allSatisfy(binding -> assertThat(binding.getHostIp()).isEqualTo("127.0.0.1")));
        }
    }

    @Test
    @Order(2)
    void applyDelayHoldsBackReplayUntilRemoved() {
        ContainerNode delayed = cluster.replicas().get(0);
        delayed.setApplyDelay(Duration.ofMinutes(5));
        execute(cluster.primary(), "INSERT INTO container_check VALUES (2, 'delayed')");
        awaitRow(cluster.replicas().get(1), 2);

        assertThat(count(delayed, 2)).isZero();

        delayed.setApplyDelay(Duration.ZERO);
        awaitRow(delayed, 2);
    }

    @Test
    @Order(3)
    void frozenReplicaDoesNotAnswerWhileTheOtherDoes() {
        ContainerNode frozen = cluster.replicas().get(0);
        PostgresqlConnectionFactory factory = frozen.sql(cluster.database());
        Connection open = Mono.from(factory.create()).block(SHORT);
        frozen.pause();
        try {
            assertThat(frozen.isPaused()).isTrue();
            assertThatThrownBy(() -> Flux.from(open.createStatement("SELECT 1").execute())
                    .flatMap(result -> result.map(row -> 1)).timeout(SHORT).blockLast())
                    .as("a statement on an open connection").hasRootCauseInstanceOf(TimeoutException.class);
            assertThatThrownBy(() -> Mono.from(factory.create()).timeout(SHORT).block())
                    .as("a new connection").hasRootCauseInstanceOf(TimeoutException.class);
            assertThat(query(cluster.replicas().get(1), "SELECT 'answers'", SHORT)).containsExactly("answers");
        } finally {
            frozen.resume();
        }
        assertThat(frozen.isPaused()).isFalse();
        Mono.from(open.close()).onErrorComplete().block(SHORT);
        Await.until(frozen.name() + " answering again", () -> answers(frozen), CATCH_UP);
    }

    @Test
    @Order(4)
    void partitionedReplicaHangsRatherThanRefusesAndCatchesUpWhenHealed() {
        ContainerNode cut = cluster.replicas().get(1);
        cut.partition();
        try {
            assertThat(cut.isPartitioned()).isTrue();
            assertThat(cut.isRunning()).isTrue();
            PostgresqlConnectionFactory quick = BlockingSql.factory(cut.port(), cluster.database(), cluster.user(),
                    cluster.password(), Duration.ofMillis(700));
            long started = System.nanoTime();
            Throwable failure = catchFailure(() -> Mono.from(quick.create()).timeout(SHORT.multipliedBy(2)).block());
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;

            assertThat(causes(failure)).as("the failure's causes").noneMatch(cause -> message(cause).contains("refused"))
                    .anyMatch(cause -> cause instanceof TimeoutException || message(cause).contains("timed out"));
            assertThat(waitedMillis).as("ms waited for a connection").isGreaterThanOrEqualTo(600);

            execute(cluster.primary(), "INSERT INTO container_check VALUES (4, 'during the partition')");
            awaitRow(cluster.replicas().get(0), 4);
        } finally {
            cut.heal();
        }
        assertThat(cut.isPartitioned()).isFalse();
        awaitRow(cut, 4);
    }

    @Test
    @Order(5)
    void killedAndStoppedReplicasComeBackAndCatchUp() {
        ContainerNode replica = cluster.replicas().get(0);
        replica.kill();
        assertThat(replica.isRunning()).isFalse();
        execute(cluster.primary(), "INSERT INTO container_check VALUES (5, 'while killed')");
        replica.start();
        awaitRow(replica, 5);

        replica.stop();
        assertThat(replica.isRunning()).isFalse();
        execute(cluster.primary(), "INSERT INTO container_check VALUES (6, 'while stopped')");
        replica.restart();
        awaitRow(replica, 6);
    }

    @Test
    @Order(6)
    void promotedReplicaAcceptsWritesAfterThePrimaryStops() {
        cluster.awaitReplication(CATCH_UP);
        cluster.primary().stop();
        assertThat(cluster.primary().isRunning()).isFalse();
        ContainerNode promoted = cluster.replicas().get(0);

        promoted.promote();

        assertThat(promoted.isReplica()).isFalse();
        assertThat(strings(promoted, "SELECT pg_is_in_recovery()::text")).containsExactly("false");
        execute(promoted, "INSERT INTO container_check VALUES (100, 'on the promoted node')");
        assertThat(strings(promoted, "SELECT note FROM container_check WHERE id = 100"))
                .containsExactly("on the promoted node");
    }

    private void awaitRow(ContainerNode node, int id) {
        Await.until("row " + id + " on " + node.name(), () -> count(node, id) == 1, CATCH_UP);
    }

    private long count(ContainerNode node, int id) {
        try {
            return Long.parseLong(strings(node, "SELECT count(*) FROM container_check WHERE id = " + id).get(0));
        } catch (RuntimeException e) {
            return -1; // restarting, or catching up after a restart
        }
    }

    private boolean answers(ContainerNode node) {
        try {
            return query(node, "SELECT 1", SHORT).equals(List.of("1"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private List<String> strings(ContainerNode node, String sql) {
        return query(node, sql, Duration.ofSeconds(10));
    }

    private List<String> query(ContainerNode node, String sql, Duration timeout) {
        return Flux.usingWhen(node.sql(cluster.database()).create(),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.map(row -> String.valueOf(row.get(0)))),
                        Connection::close)
                .collectList()
                .block(timeout);
    }

    private void execute(ContainerNode node, String sql) {
        BlockingSql.execute(node.sql(cluster.database()), sql);
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the connection attempt to fail");
    }

    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable cause = failure; cause != null && !chain.contains(cause); cause = cause.getCause()) {
            chain.add(cause);
        }
        return chain;
    }

    private static String message(Throwable cause) {
        return String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
    }
}
