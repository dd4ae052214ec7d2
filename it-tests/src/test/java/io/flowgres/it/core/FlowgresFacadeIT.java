package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.health.HealthMonitor;
import io.flowgres.health.HealthPolicy;
import io.flowgres.health.HealthReport;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Committed;
import io.flowgres.query.ConflictException;
import io.flowgres.query.Query;
import io.flowgres.query.QueryFailedException;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Route;
import io.flowgres.routing.WriterPositions;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The facade's walking skeleton on a real primary with two streaming replicas. Every test writes
 * its own rows and counts its own query names, so they run in any order.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FlowgresFacadeIT {

    private static final String QUERY_TIMER = "flowgres.query";
    private static final String RETRIES = "flowgres.retries";

    private final PostgresCluster cluster;
    private Flowgres flowgres;

    FlowgresFacadeIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.builder(cluster.clusterConfig().pool(PoolPolicy.test()).build())
                .balancer(Balancer.roundRobin()).build();
        flowgres.write(Query.named("setup"), connection -> execute(connection,
                "CREATE TABLE skeleton (id int PRIMARY KEY, note text NOT NULL)")).blockLast(Duration.ofSeconds(10));
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
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
        assertThat(flowgres.meterRegistry().find(RETRIES).tag("query", "skeleton.badSql").counter()).isNull();
        assertThat(attempts("skeleton.badSql", "replica-1") + attempts("skeleton.badSql", "replica-2"))
                .as("one attempt").isEqualTo(1);
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
    void deepHealthCheckSeesEveryNodeUp() {
        try (HealthMonitor health = HealthMonitor.create(flowgres, HealthPolicy.builder()
                .checkTimeout(Duration.ofSeconds(2)).build())) {
            health.deep().as(StepVerifier::create)
                    .assertNext(report -> {
                        assertThat(report.status()).isEqualTo(HealthReport.Status.UP);
                        assertThat(report.nodes()).extracting(HealthReport.NodeReport::name)
                                .containsExactly("primary", "replica-1", "replica-2");
                        assertThat(report.nodes()).extracting(HealthReport.NodeReport::role)
                                .containsExactly("primary", "replica", "replica");
                        assertThat(report.nodes()).allSatisfy(node -> {
                            assertThat(node.status()).isEqualTo(HealthReport.Status.UP);
                            assertThat(node.latencyMillis()).as("a probe round trip").isPositive();
                        });
                    })
                    .verifyComplete();
        }
    }

    @Test
    void topologyShowsEveryNodeByNameWithItsObservedRole() {
        flowgres.probeNow().block(Duration.ofSeconds(10));

        assertThat(flowgres.topology().writer()).isEqualTo("primary");
        assertThat(flowgres.topology().nodes()).extracting(NodeView::name, NodeView::observedRole, NodeView::status,
                        NodeView::breaker)
                .containsExactly(tuple("primary", "primary", "up", "closed"),
                        tuple("replica-1", "replica", "up", "closed"), tuple("replica-2", "replica", "up", "closed"));
        assertThat(flowgres.topology().nodes()).allSatisfy(node -> {
            assertThat(node.probeFailure()).isNull();
            assertThat(node.pool().max()).isEqualTo(PoolPolicy.test().maxSize());
        });
    }

    @Test
    void aProbeRoundBegunAfterACommitReadsTheWritersPositionPastIt() {
        Committed<Long> written = flowgres.writeCommitted(Query.named("skeleton.position"), connection -> execute(
                connection, "INSERT INTO skeleton VALUES (9001, 'positioned') ON CONFLICT (id) DO NOTHING"))
                .block(Duration.ofSeconds(10));
        WriterPositions positions = flowgres.writerPositions();
        long round = positions.roundsStarted();

        flowgres.probeNow().block(Duration.ofSeconds(10));

        assertThat(positions.roundsStarted()).isGreaterThan(round);
        ConsistencyToken position = positions.after(round);
        assertThat(position).isNotEqualTo(ConsistencyToken.writerOnly());
        assertThat(position.lsn()).as("past the commit's own token").isGreaterThanOrEqualTo(written.token().lsn());
    }

    private long countOnPrimary(String condition) {
        List<Long> counts = flowgres.read(Query.named("skeleton.count").withRoute(Route.PRIMARY),
                connection -> Flux.from(connection.createStatement("SELECT count(*) FROM skeleton WHERE " + condition)
                        .execute()).flatMap(result -> result.map(row -> row.get(0, Long.class))))
                .collectList().block(Duration.ofSeconds(10));
        return counts.get(0);
    }

    private long attempts(String query, String node) {
        return flowgres.meterRegistry().find(QUERY_TIMER).tag("query", query).tag("node", node)
                .timers().stream().mapToLong(Timer::count).sum();
    }
}
