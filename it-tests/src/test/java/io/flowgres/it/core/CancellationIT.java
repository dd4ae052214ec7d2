package io.flowgres.it.core;

import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import io.flowgres.Flowgres;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.testing.NettyLeakCheck;
import io.flowgres.testing.RecordingLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * What cancelling a query does to its connection, on a real server with a one-connection pool so
 * every query lands on the same connection unless it was discarded: a query that had finished is
 * reused at once, a query still running is stopped on the server, and the cancel never reaches the
 * statement that runs next.
 */
@FlowgresCluster(replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CancellationIT {

    private static final Query READ = Query.named("cancel.read").withRoute(Route.PRIMARY);

    private static final int CANCELLED_READS = 3_000;

    private PostgresCluster cluster;
    private Flowgres flowgres;

    @BeforeAll
    void start(PostgresCluster cluster) {
        this.cluster = cluster;
        flowgres = Flowgres.create(cluster.clusterConfig().pool(Sql.ONE_CONNECTION)
                .applicationName("cancellation-it").build());
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void takingTheFirstRowOfAFinishedQueryKeepsTheConnection() {
        String before = backendPid();
        for (int i = 0; i < 20; i++) {
            String first = flowgres.read(READ, connection -> strings(connection,
                            "SELECT n::text FROM generate_series(1, 3) AS n")).next().block(Duration.ofSeconds(10));
            assertThat(first).isEqualTo("1");
        }
        assertThat(backendPid()).as("the same backend served every query: no connection was discarded")
                .isEqualTo(before);
    }

    @Test
    void aCancelledRunningQueryStopsOnTheServerAndSparesTheNextStatement() {
        String cancelledPid = backendPid();
        List<String> none = flowgres.read(READ, connection -> strings(connection, "SELECT pg_sleep(30)::text"))
                .take(Duration.ofMillis(300)).collectList().block(Duration.ofSeconds(10));
        assertThat(none).isEmpty();

        // Statements right after the cancel run on the one pooled connection: a late cancel signal
        // would abort one of them with 57014.
        for (int i = 0; i < 10; i++) {
            assertThat(flowgres.read(READ, connection -> strings(connection, "SELECT pg_sleep(0.05)::text || 'ok'"))
                    .blockLast(Duration.ofSeconds(10))).isEqualTo("ok");
        }
        assertThat(backendPid()).as("the cancelled connection was discarded, not pooled").isNotEqualTo(cancelledPid);
        Await.until("the cancelled pg_sleep to end on the server", () -> sleepingBackends() == 0,
                Duration.ofSeconds(5));
    }

    /**
     * A read is cancelled at any moment: before its parameter is encoded, while the encoded parameter
     * waits to be sent, while the row is on its way (a hedge that lost, a deadline, a client gone).
     * r2dbc-postgresql drops a buffer it had encoded or decoded when cancelled between two of its
     * operators; none of them may leak.
     */
    @Test
    void readsCancelledAtAnyMomentLeakNoBuffer() {
        assumeTrue(RecordingLeakDetector.installed(), "run by the build, with the recording detector");
        NettyLeakCheck.collect();
        Flowgres pooled = Flowgres.create(cluster.clusterConfig().applicationName("cancellation-leaks-it").build());
        try {
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < CANCELLED_READS; i++) {
                long id = i;
                Disposable read = pooled.read(READ, connection -> Flux.from(connection
                                .createStatement("SELECT $1::int8 + 1, repeat('x', 100)").bind("$1", id).execute())
                        .flatMap(result -> result.map(row -> row.get(0, Long.class)))).subscribe();
                // From nothing to a round trip: the cancel lands at every stage of the exchange.
                long until = System.nanoTime() + random.nextLong(400_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                read.dispose();
            }
            // Every connection is back (cancelled ones settled or discarded) before the buffers are judged.
            Await.until("every connection back in the pool", () -> pooled.topology().inFlight() == 0,
                    Duration.ofSeconds(30));
            assertThat(pooled.read(READ, connection -> strings(connection, "SELECT 'still serving'"))
                    .blockLast(Duration.ofSeconds(10))).isEqualTo("still serving");
        } finally {
            pooled.close();
        }
        assertThat(NettyLeakCheck.collect()).as("leak reports").isEmpty();
    }

    private String backendPid() {
        return flowgres.read(READ, connection -> strings(connection, "SELECT pg_backend_pid()::text"))
                .blockLast(Duration.ofSeconds(10));
    }

    private long sleepingBackends() {
        return Long.parseLong(flowgres.read(READ, connection -> strings(connection,
                        "SELECT count(*)::text FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)::text'"))
                .blockLast(Duration.ofSeconds(10)));
    }
}
