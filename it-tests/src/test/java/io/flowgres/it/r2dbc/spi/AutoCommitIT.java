package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.flowgres.Flowgres;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Auto-commit through {@link Flowgres#connectionFactory()} on a real primary with two replicas: on by
 * default on either route, off holds work in a transaction that switching it back on commits and
 * closing rolls back, and the pool gets the connection back auto-committing.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class AutoCommitIT {

    private static final String COUNT = "SELECT count(*) FROM person";

    @AutoClose
    private final RoutedFactory routed;

    AutoCommitIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "auto-commit-it");
        routed.execute("CREATE TABLE person (id int PRIMARY KEY, name text)");
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE person");
    }

    @Test
    void aNewConnectionAutoCommitsOnEitherRoute() {
        routed.onPrimary(AutoCommitIT::replicaAndAutoCommit)
                .as(StepVerifier::create)
                .expectNext("false:true")
                .verifyComplete();
        routed.onReplica(AutoCommitIT::replicaAndAutoCommit)
                .as(StepVerifier::create)
                .expectNext("true:true")
                .verifyComplete();
    }

    @Test
    void autoCommitOffHoldsWorkUntilItIsSwitchedBackOn() {
        Connection connection = Mono.from(routed.factory().create()).block(WAIT);
        try {
            Mono.from(connection.setAutoCommit(false)).block(WAIT);
            assertThat(connection.isAutoCommit()).isFalse();
            Sql.execute(connection, "INSERT INTO person (id, name) VALUES (1, 'pending')").blockLast(WAIT);
            assertThat(routed.onNode(routed.primaryNode(), COUNT)).as("not committed yet").containsExactly("0");

            Mono.from(connection.setAutoCommit(true)).block(WAIT);

            assertThat(connection.isAutoCommit()).isTrue();
            assertThat(routed.onNode(routed.primaryNode(), COUNT)).as("committed by auto-commit on")
                    .containsExactly("1");
        } finally {
            Mono.from(connection.close()).block(WAIT);
        }
    }

    @Test
    void autoCommitOffOpensATransactionThatClosingRollsBackAndThePoolGetsBackClean() {
        String pid = routed.primaryPid();
        routed.onPrimary(connection -> Mono.from(connection.setAutoCommit(false))
                        .then(Sql.execute(connection, "INSERT INTO person (id, name) VALUES (1, 'uncommitted')")
                                .single())
                        .then(Mono.fromSupplier(connection::isAutoCommit)))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();

        assertThat(routed.query(COUNT)).as("closed without commit: rolled back").containsExactly("0");
        routed.onPrimary(connection -> strings(connection, "SELECT pg_backend_pid()::text")
                        .map(backend -> backend + ":" + connection.isAutoCommit()))
                .as(StepVerifier::create)
                .expectNext(pid + ":true")
                .verifyComplete();
    }

    @Test
    void autoCommitOffOnAReplicaIsAReadTransactionThereAndClosingEndsIt() {
        routed.onReplica(connection -> Mono.from(connection.setAutoCommit(false))
                        .then(inRecovery(connection))
                        .flatMap(replica -> strings(connection, "SELECT (now() = statement_timestamp())::text").single()
                                .map(fresh -> replica + ":" + connection.isAutoCommit() + ":" + fresh)))
                .as(StepVerifier::create)
                .expectNext("true:false:false")
                .verifyComplete();
        routed.onReplica(AutoCommitIT::replicaAndAutoCommit)
                .as(StepVerifier::create)
                .expectNext("true:true")
                .verifyComplete();
    }

    @Test
    void anAutoCommitWriteOnThePrimaryIsRecordedWithAPositionThatReadsItBack() {
        List<ConsistencyToken> recorded = new CopyOnWriteArrayList<>();
        long before = ConsistencyToken.parse(routed.query("SELECT pg_current_wal_insert_lsn()::text").get(0)).lsn();
        routed.onPrimary(connection -> Sql.execute(connection, "INSERT INTO person (id, name) VALUES (7, 'recorded')"))
                .contextWrite(FlowgresRouting.recordWrites(recorded::add))
                .blockLast(WAIT);

        assertThat(recorded).as("one token, when the connection went back").hasSize(1);
        ConsistencyToken token = recorded.get(0);
        assertThat(token.lsn()).as("after the write, not writer-only").isGreaterThan(before).isLessThan(Long.MAX_VALUE);
        // Read back with the token: a replica that has replayed it, else the primary; never without the row.
        routed.onReplica(connection -> strings(connection, "SELECT name FROM person WHERE id = 7"))
                .contextWrite(FlowgresRouting.consistency(token))
                .as(StepVerifier::create)
                .expectNext("recorded")
                .verifyComplete();
    }

    @Test
    void aCommittedTransactionIsRecordedOnceAndReplicaWorkNotAtAll() {
        List<ConsistencyToken> recorded = new CopyOnWriteArrayList<>();
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .thenMany(Sql.execute(connection, "INSERT INTO person (id, name) VALUES (8, 'in a transaction')"))
                        .then(Mono.from(connection.commitTransaction())))
                .contextWrite(FlowgresRouting.recordWrites(recorded::add))
                .blockLast(WAIT);
        assertThat(recorded).as("the commit's connection, once").hasSize(1);

        routed.onReplica(connection -> strings(connection, COUNT))
                .contextWrite(FlowgresRouting.recordWrites(recorded::add))
                .blockLast(WAIT);
        assertThat(recorded).as("nothing for work on a replica route").hasSize(1);
    }

    /** {@code <in recovery>:<auto-commit>} of a connection: where it is and how it commits. */
    private static Mono<String> replicaAndAutoCommit(Connection connection) {
        return inRecovery(connection).map(replica -> replica + ":" + connection.isAutoCommit());
    }
}
