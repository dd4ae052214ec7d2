package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.insertPerson;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Option;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.TransactionDefinition;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Transactions through {@link Flowgres#connectionFactory()} on a real primary with two replicas:
 * begin, commit, rollback, a {@link TransactionDefinition} with read-only and an isolation level, a
 * transaction left open when the connection is closed, and where transactions run with and without
 * {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TransactionIT {

    private static final String CHARACTERISTICS = "SELECT current_setting('transaction_isolation') || '/' "
            + "|| current_setting('transaction_read_only')";

    @AutoClose
    private final RoutedFactory routed;

    TransactionIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "transaction-it");
        routed.execute("CREATE TABLE person (id int PRIMARY KEY, name text)");
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE person");
    }

    @Test
    void commitKeepsATransactionsWorkAndRollbackDiscardsIt() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.fromSupplier(connection::isAutoCommit))
                        .flatMap(autoCommit -> insertPerson(connection, 1, "kept")
                                .then(Mono.from(connection.commitTransaction()))
                                .thenReturn(autoCommit)))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(insertPerson(connection, 2, "discarded"))
                        .then(Mono.from(connection.rollbackTransaction())))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(routed.personNames()).containsExactly("kept");
    }

    @Test
    void aReadOnlyDefinitionBeginsATransactionThatRefusesWrites() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction(Definition.readOnly()))
                        .then(strings(connection, CHARACTERISTICS).single())
                        .flatMap(characteristics -> insertPerson(connection, 1, "refused")
                                .map(String::valueOf)
                                .onErrorResume(R2dbcException.class, error -> Mono.just(error.getSqlState()))
                                .map(outcome -> characteristics + " " + outcome))
                        .flatMap(outcome -> Mono.from(connection.rollbackTransaction()).thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("read committed/on 25006")
                .verifyComplete();

        assertThat(routed.personNames()).isEmpty();
    }

    @Test
    void aDefinitionsIsolationLevelAndReadOnlyFlagAreTheTransactions() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction(
                                Definition.of(IsolationLevel.REPEATABLE_READ, false)))
                        .then(strings(connection, CHARACTERISTICS).single())
                        .flatMap(characteristics -> Mono.from(connection.commitTransaction())
                                .thenReturn(characteristics)))
                .as(StepVerifier::create)
                .expectNext("repeatable read/off")
                .verifyComplete();
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction(
                                Definition.of(IsolationLevel.SERIALIZABLE, true)))
                        .then(strings(connection, CHARACTERISTICS).single())
                        .flatMap(characteristics -> Mono.from(connection.commitTransaction())
                                .thenReturn(characteristics)))
                .as(StepVerifier::create)
                .expectNext("serializable/on")
                .verifyComplete();
        routed.onPrimary(connection -> strings(connection, CHARACTERISTICS))
                .as(StepVerifier::create)
                .expectNext("read committed/off")
                .as("the next transaction on the same connection has the defaults again")
                .verifyComplete();
    }

    @Test
    void closingAConnectionWithATransactionOpenRollsItBackAndPoolsItClean() {
        String pid = routed.primaryPid();
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(insertPerson(connection, 1, "uncommitted")))
                .as(StepVerifier::create)
                .expectNext(1L)
                .verifyComplete();

        assertThat(routed.personNames()).as("closed without commit: rolled back").isEmpty();
        // A statement that starts its own transaction: the old one is not still open on the connection.
        routed.onPrimary(connection -> strings(connection, "SELECT pg_backend_pid() || '/' || "
                        + "(now() = statement_timestamp())")
                        .map(answer -> connection.isAutoCommit() + "/" + answer))
                .as(StepVerifier::create)
                .expectNext("true/" + pid + "/true")
                .verifyComplete();
    }

    @Test
    void transactionsRunOnAReplicaInsideReadOnlyAndOnThePrimaryWithout() {
        routed.execute("INSERT INTO person (id, name) VALUES (1, 'replicated')");
        routed.awaitReplication();
        routed.onReplica(connection -> Mono.from(connection.beginTransaction(Definition.readOnly()))
                        .then(inRecovery(connection))
                        .flatMap(replica -> strings(connection, "SELECT name FROM person").single()
                                .map(name -> replica + ":" + name))
                        .flatMap(outcome -> Mono.from(connection.commitTransaction()).thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("true:replicated")
                .verifyComplete();
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(inRecovery(connection))
                        .flatMap(replica -> Mono.from(connection.commitTransaction()).thenReturn(replica)))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void aWriteInATransactionOnAReplicaFailsAsReadOnly() {
        routed.onReplica(connection -> Mono.from(connection.beginTransaction())
                        .then(insertPerson(connection, 2, "refused"))
                        .map(String::valueOf)
                        .onErrorResume(R2dbcException.class, error -> Mono.just(error.getSqlState()))
                        .flatMap(outcome -> Mono.from(connection.rollbackTransaction()).thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("25006")
                .verifyComplete();
    }

    /** A transaction definition of the SPI's options, as an application or a framework builds one. */
    private record Definition(Map<Option<?>, Object> attributes) implements TransactionDefinition {

        static Definition readOnly() {
            return new Definition(Map.of(TransactionDefinition.READ_ONLY, true));
        }

        static Definition of(IsolationLevel isolation, boolean readOnly) {
            return new Definition(Map.of(TransactionDefinition.ISOLATION_LEVEL, isolation,
                    TransactionDefinition.READ_ONLY, readOnly));
        }

        @Override
        public <T> T getAttribute(Option<T> option) {
            return option.cast(attributes.get(option));
        }
    }
}
