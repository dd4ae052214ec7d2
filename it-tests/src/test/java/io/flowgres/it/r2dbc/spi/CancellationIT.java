package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.testing.NettyLeakCheck;
import io.flowgres.testing.RecordingLeakDetector;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Cancellation through {@link Flowgres#connectionFactory()} on a real primary with two replicas:
 * cancelling the subscription of a running {@code pg_sleep(30)} ends it on the server, which another
 * connection straight to the node watches in {@code pg_stat_activity}, on the writer and on a replica,
 * through the SPI and through {@code DatabaseClient}; the connection is discarded, not pooled, so no
 * late cancel can reach the next statement, and nothing stays leased; reads cancelled at any moment
 * leak no buffer.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CancellationIT {

    private static final String APPLICATION = "cancellation-it";
    private static final String SLEEP = "SELECT pg_sleep(30)::text";
    private static final int CANCELLED_READS = 3_000;

    private final PostgresCluster cluster;
    @AutoClose
    private final RoutedFactory routed;

    CancellationIT(PostgresCluster cluster) {
        this.cluster = cluster;
        routed = RoutedFactory.start(cluster, APPLICATION);
    }

    @Test
    void cancellingARunningStatementStopsItOnTheServerAndDiscardsTheConnection() {
        PostgresNode primary = routed.primaryNode();
        String cancelledPid = routed.primaryPid();

        cancelOnceSleepingThenAwaitSettled(routed.onPrimary(connection -> strings(connection, SLEEP)), primary);
        // Statements right after the cancel: a late cancel signal would abort one of them with 57014.
        for (int i = 0; i < 5; i++) {
            assertThat(routed.onPrimary(connection -> strings(connection, "SELECT pg_sleep(0.05)::text || 'ok'"))
                    .blockLast(WAIT)).isEqualTo("ok");
        }
        assertThat(routed.primaryPid()).as("the cancelled connection was discarded, not pooled")
                .isNotEqualTo(cancelledPid);
    }

    @Test
    void cancellingAStatementOnAReplicaStopsItThere() {
        List<? extends PostgresNode> replicas = cluster.replicas();

        routed.onReplica(connection -> strings(connection, SLEEP))
                .as(StepVerifier::create)
                .expectSubscription()
                .then(() -> Await.until("the sleep running on a replica",
                        () -> sleeping(replicas.get(0)) + sleeping(replicas.get(1)) == 1, WAIT))
                .thenCancel()
                .verify(WAIT);

        assertThat(sleeping(routed.primaryNode())).as("nothing of it on the primary").isZero();
        Await.until("the cancelled pg_sleep to end on the replica",
                () -> sleeping(replicas.get(0)) + sleeping(replicas.get(1)) == 0, WAIT);
        Await.until("the cancelled connection settled", () -> routed.flowgres().topology().inFlight() == 0
                && replicas.stream().allMatch(replica -> routed.pool(replica.name()).acquired() == 0), WAIT);
        assertThat(routed.onReplica(connection -> strings(connection, "SELECT pg_is_in_recovery()::text"))
                .blockLast(WAIT)).isEqualTo("true");
    }

    @Test
    void aDatabaseClientQueryCancelledWhileRunningStopsOnTheServerAndLeaksNoConnection() {
        PostgresNode primary = routed.primaryNode();
        DatabaseClient client = DatabaseClient.create(routed.factory());

        cancelOnceSleepingThenAwaitSettled(client.sql(SLEEP).map(row -> row.get(0, String.class)).all(), primary);
        client.sql("SELECT 'next'").map(row -> row.get(0, String.class)).one()
                .as(StepVerifier::create)
                .expectNext("next")
                .verifyComplete();
        client.sql("SELECT pg_is_in_recovery()").map(row -> row.get(0, Boolean.class)).one()
                .contextWrite(FlowgresRouting.readOnly())
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
    }

    /**
     * {@code DatabaseClient} reads with a bound parameter, each cancelled at a random moment (before its
     * parameter is encoded, while it waits to be sent, while its row is on the way): the buffers the
     * driver drops when cancelled are released, and every connection comes back.
     */
    @Test
    void databaseClientReadsCancelledAtAnyMomentLeakNoBuffer() {
        assumeTrue(RecordingLeakDetector.installed(), "run by the build, with the recording detector");
        NettyLeakCheck.collect();
        DatabaseClient client = DatabaseClient.create(routed.factory());
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < CANCELLED_READS; i++) {
            Disposable read = client.sql("SELECT $1::int8 + 1, repeat('x', 100)").bind(0, (long) i)
                    .map(row -> row.get(0, Long.class)).one()
                    .contextWrite(FlowgresRouting.readOnly())
                    .subscribe();
            // From nothing to a round trip: the cancel lands at every stage of the exchange.
            long until = System.nanoTime() + random.nextLong(400_000);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            read.dispose();
        }
        Await.until("every cancelled connection settled", () -> routed.flowgres().topology().inFlight() == 0
                && cluster.replicas().stream().allMatch(replica -> routed.pool(replica.name()).acquired() == 0),
                WAIT);
        assertThat(NettyLeakCheck.collect()).as("leak reports").isEmpty();
    }

    /** How many of this class's {@code pg_sleep(30)} statements a node is running now. */
    private long sleeping(PostgresNode node) {
        return Long.parseLong(routed.onNode(node, "SELECT count(*)::text FROM pg_stat_activity WHERE state = 'active' "
                + "AND application_name = '" + APPLICATION + "' AND query = '" + SLEEP + "'").get(0));
    }

    /**
     * Cancels the sleeping statement once the primary runs it, then waits until the server has ended
     * it and the connection is settled (back in the pool or discarded, nothing in flight).
     */
    private void cancelOnceSleepingThenAwaitSettled(Flux<String> sleep, PostgresNode primary) {
        sleep.as(StepVerifier::create)
                .expectSubscription()
                .then(() -> Await.until("the sleep running on the primary", () -> sleeping(primary) == 1, WAIT))
                .thenCancel()
                .verify(WAIT);
        Await.until("the cancelled pg_sleep to end on the server", () -> sleeping(primary) == 0, WAIT);
        Await.until("the cancelled connection settled", () -> routed.pool("primary").acquired() == 0
                && routed.flowgres().topology().inFlight() == 0, WAIT);
    }
}
