package io.flowgres.it.availability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Committed;
import io.flowgres.query.Query;
import io.flowgres.routing.NodeView;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A replica promoted after the primary went away: writes follow it after the failover delay with no
 * acknowledged write lost, a read-your-writes token taken before the switch stays valid, and the old
 * primary, started again still believing it is the primary, is fenced: no writes, no reads, split
 * brain reported. The cluster is changed for good, so this class has its own.
 */
@FlowgresCluster(replicas = 2)
final class PromotionIT {

    private static final Query WRITE = Query.named("promotion.write");
    private static final Query READ = Query.named("promotion.read");

    private static Flowgres flowgres;

    @BeforeAll
    static void connect(PostgresCluster cluster) {
        flowgres = Flowgres.create(cluster.clusterConfig()
                .pool(PoolPolicy.test())
                .queryTimeout(Duration.ofSeconds(10))
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .availability(AvailabilityPolicy.builder().failoverAfter(Duration.ofMillis(500)).build())
                .build());
        insert("CREATE TABLE IF NOT EXISTS ledger (id serial PRIMARY KEY, note text NOT NULL)");
    }

    @AfterAll
    static void close() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void writesFollowThePromotedReplicaAndTheOldPrimaryIsFenced(PostgresCluster cluster) {
        Committed<Long> before = flowgres.writeCommitted(WRITE, connection -> Flux.from(connection
                        .createStatement("INSERT INTO ledger (note) VALUES ('before')").execute())
                .flatMap(result -> result.getRowsUpdated())).block(Duration.ofSeconds(10));
        cluster.awaitReplication(Duration.ofSeconds(30));
        PostgresNode oldPrimary = cluster.primary();
        PostgresNode promoted = cluster.replicas().get(0);

        oldPrimary.kill();
        promoted.promote();
        Await.probed(flowgres, "writes to move to the promoted replica",
                () -> promoted.name().equals(flowgres.topology().writer()), Duration.ofSeconds(20));

        List<Boolean> recovery = flowgres.write(WRITE, connection -> Flux.from(connection
                        .createStatement("INSERT INTO ledger (note) VALUES ('after') RETURNING pg_is_in_recovery()")
                        .execute())
                .flatMap(result -> result.map(row -> row.get(0, Boolean.class)))).collectList()
                .block(Duration.ofSeconds(10));
        assertThat(recovery).containsExactly(false);
        assertThat(notes(before)).as("the acknowledged write survived, read with its token")
                .contains("before");

        oldPrimary.start(); // comes back out of recovery: a second primary
        Await.probed(flowgres, "the old primary to be fenced",
                () -> "fenced".equals(status(oldPrimary.name())), Duration.ofSeconds(20));
        // The nodes are told apart by their data, not their ports (a container's port is not the one the
        // host sees): only the promoted node has the 'after' row; the old primary stopped before it.
        String onPromoted = "SELECT count(*) > 0 FROM ledger WHERE note = 'after'";
        for (int i = 0; i < 20; i++) {
            List<Boolean> where = flowgres.write(WRITE, connection -> Flux.from(connection
                            .createStatement("INSERT INTO ledger (note) VALUES ('fenced') RETURNING (" + onPromoted + ")")
                            .execute())
                    .flatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                    .collectList().block(Duration.ofSeconds(10));
            assertThat(where).as("every write on the promoted node").containsExactly(true);
            // A read may go to the other replica (in recovery) or the promoted node, never the fenced one.
            List<Boolean> readWhere = flowgres.read(READ, connection -> Flux.from(connection
                            .createStatement("SELECT pg_is_in_recovery() OR (" + onPromoted + ")").execute())
                    .flatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                    .collectList().block(Duration.ofSeconds(10));
            assertThat(readWhere).as("no read on the fenced node").containsExactly(true);
        }
        assertThat(flowgres.meterRegistry().get("flowgres.cluster.split.brain").gauge().value()).isEqualTo(1.0);
        assertThat(flowgres.topology().writer()).isEqualTo(promoted.name());
    }

    private static List<String> notes(Committed<?> token) {
        return flowgres.read(READ.withConsistency(token.token()), connection -> Flux.from(connection
                        .createStatement("SELECT note FROM ledger ORDER BY id").execute())
                .flatMap(result -> result.map(row -> row.get(0, String.class)))).collectList()
                .block(Duration.ofSeconds(10));
    }

    private static void insert(String sql) {
        flowgres.write(WRITE, connection -> Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.getRowsUpdated())).blockLast(Duration.ofSeconds(30));
    }

    private static String status(String node) {
        return flowgres.topology().node(node).map(NodeView::status).orElseThrow();
    }
}
