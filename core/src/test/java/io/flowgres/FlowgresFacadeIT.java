package io.flowgres;

import static io.flowgres.ClusterTesting.closeAll;
import static io.flowgres.ClusterTesting.execute;
import static io.flowgres.ClusterTesting.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.internal.metrics.QueryMetrics;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.routing.RoundRobinBalancer;
import io.flowgres.routing.Route;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The facade's walking skeleton on a real primary with two streaming replicas. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FlowgresFacadeIT {

    private LocalCluster cluster;
    private Flowgres flowgres;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
        ClusterConfig.Builder config = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.test());
        for (LocalNode replica : cluster.replicas()) {
            config.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        flowgres = Flowgres.builder(config.build()).balancer(new RoundRobinBalancer()).build();
        flowgres.write(Query.named("setup"), connection -> execute(connection,
                "CREATE TABLE skeleton (id int PRIMARY KEY, note text NOT NULL)")).blockLast(Duration.ofSeconds(10));
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        closeAll(flowgres, cluster);
    }

    @Test
    void readsRunOnReplicasInTurn() {
        for (int i = 0; i < 6; i++) {
            flowgres.read(Query.named("skeleton.inRecovery"), connection -> strings(connection,
                            "SELECT pg_is_in_recovery()::text"))
                    .as(StepVerifier::create).expectNext("true").verifyComplete();
        }
        assertThat(attempts("skeleton.inRecovery", "replica-1")).isEqualTo(3);
        assertThat(attempts("skeleton.inRecovery", "replica-2")).isEqualTo(3);
    }

    @Test
    void primaryRouteReadsThePrimary() {
        flowgres.read(Query.named("skeleton.onPrimary").withRoute(Route.PRIMARY),
                        connection -> strings(connection, "SELECT pg_is_in_recovery()::text"))
                .as(StepVerifier::create).expectNext("false").verifyComplete();
    }

    @Test
    void writesRunOnThePrimaryAndReachTheReplicas() {
        flowgres.write(Query.named("skeleton.insert"), connection -> execute(connection,
                        "INSERT INTO skeleton VALUES (1, 'written')"))
                .as(StepVerifier::create).expectNext(1L).verifyComplete();
        cluster.awaitReplication(Duration.ofSeconds(30));

        flowgres.read(Query.named("skeleton.byId"), connection -> strings(connection,
                        "SELECT note FROM skeleton WHERE id = 1"))
                .as(StepVerifier::create).expectNext("written").verifyComplete();
        assertThat(attempts("skeleton.insert", "primary")).isEqualTo(1);
    }

    @Test
    void transactionCommitsAndEmitsAfterCommit() {
        flowgres.transaction(Query.named("skeleton.tx"), connection -> execute(connection,
                                "INSERT INTO skeleton VALUES (10, 'a')")
                        .concatWith(execute(connection, "INSERT INTO skeleton VALUES (11, 'b')")))
                .as(StepVerifier::create).expectNext(1L, 1L).verifyComplete();

        assertThat(countOnPrimary("id IN (10, 11)")).isEqualTo(2);
    }

    @Test
    void failedTransactionLeavesNothingBehind() {
        flowgres.transaction(Query.named("skeleton.txFails"), connection -> execute(connection,
                                "INSERT INTO skeleton VALUES (20, 'rolled back')")
                        .concatWith(execute(connection, "INSERT INTO skeleton VALUES (20, 'duplicate')")))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ConflictException.class)
                        .extracting(e -> ((ConflictException) e).sqlState()).isEqualTo("23505"))
                .verify(Duration.ofSeconds(10));

        assertThat(countOnPrimary("id = 20")).isZero();
    }

    @Test
    void badSqlIsAQueryFailureThatIsNotRetried() {
        flowgres.read(Query.named("skeleton.badSql"), connection -> strings(connection, "SELEC 1"))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(QueryFailedException.class).hasMessageContaining("skeleton.badSql")
                            .hasMessageContaining("42601");
                    assertThat(((QueryFailedException) error).nodeName()).startsWith("replica-");
                })
                .verify(Duration.ofSeconds(10));
        assertThat(flowgres.meterRegistry().find(QueryMetrics.RETRY_COUNTER).tag("query", "skeleton.badSql").counter())
                .isNull();
    }

    @Test
    void deadlineStopsALongQuery() {
        // Its own facade: the timed-out connection is busy on the server until pg_sleep ends.
        try (Flowgres own = Flowgres.create(flowgres.config())) {
            own.read(Query.named("skeleton.slow").withTimeout(Duration.ofMillis(300)),
                            connection -> strings(connection, "SELECT pg_sleep(2)::text"))
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(QueryTimeoutException.class)
                            .extracting(e -> ((QueryTimeoutException) e).phase())
                            .isEqualTo(QueryTimeoutException.Phase.EXECUTE))
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void healthCheckSeesEveryNode() {
        flowgres.checkHealth(Duration.ofSeconds(2)).as(StepVerifier::create)
                .assertNext(report -> {
                    assertThat(report.status()).isEqualTo(io.flowgres.health.HealthStatus.UP);
                    assertThat(report.nodes()).extracting(io.flowgres.health.NodeReport::name)
                            .containsExactly("primary", "replica-1", "replica-2");
                })
                .verifyComplete();
    }

    private long countOnPrimary(String condition) {
        List<Long> counts = flowgres.read(Query.named("skeleton.count").withRoute(Route.PRIMARY),
                connection -> Flux.from(connection.createStatement("SELECT count(*) FROM skeleton WHERE " + condition)
                        .execute()).flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .collectList().block(Duration.ofSeconds(10));
        return counts.get(0);
    }

    private long attempts(String query, String node) {
        return flowgres.meterRegistry().find(QueryMetrics.QUERY_TIMER).tag("query", query).tag("node", node)
                .timers().stream().mapToLong(Timer::count).sum();
    }
}
