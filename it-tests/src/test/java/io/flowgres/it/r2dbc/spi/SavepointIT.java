package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.insertPerson;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;


import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.R2dbcException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Savepoints through {@link Flowgres#connectionFactory()} on a real primary with two replicas:
 * created, rolled back to, released, nested, and in a read-only transaction on a replica inside
 * {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class SavepointIT {

    @AutoClose
    private final RoutedFactory routed;

    SavepointIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "savepoint-it");
        routed.execute("CREATE TABLE person (id int PRIMARY KEY, name text)");
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE person");
    }

    @Test
    void rollingBackToASavepointUndoesOnlyWhatFollowedIt() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(insertPerson(connection, 1, "before"))
                        .then(Mono.from(connection.createSavepoint("middle")))
                        .then(insertPerson(connection, 2, "after"))
                        .then(Mono.from(connection.rollbackTransactionToSavepoint("middle")))
                        .then(Mono.from(connection.releaseSavepoint("middle")))
                        .then(insertPerson(connection, 3, "again"))
                        .then(Mono.from(connection.commitTransaction())))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(routed.personNames()).containsExactly("before", "again");
    }

    @Test
    void rollingBackToAnOuterSavepointUndoesTheInnerOnesToo() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.from(connection.createSavepoint("wide")))
                        .then(insertPerson(connection, 1, "wide work"))
                        .then(Mono.from(connection.createSavepoint("narrow")))
                        .then(insertPerson(connection, 2, "narrow work"))
                        .then(Mono.from(connection.rollbackTransactionToSavepoint("wide")))
                        .then(insertPerson(connection, 3, "after"))
                        .then(Mono.from(connection.commitTransaction())))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(routed.personNames()).containsExactly("after");
    }

    @Test
    void aReleasedSavepointKeepsItsWorkAndCannotBeRolledBackTo() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.from(connection.createSavepoint("gone")))
                        .then(insertPerson(connection, 1, "kept"))
                        .then(Mono.from(connection.releaseSavepoint("gone")))
                        .then(Mono.from(connection.rollbackTransactionToSavepoint("gone")).thenReturn("rolled back")
                                .onErrorResume(R2dbcException.class, error -> Mono.just(error.getSqlState())))
                        .flatMap(outcome -> Mono.from(connection.rollbackTransaction()).thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("3B001")
                .verifyComplete();
    }

    @Test
    void savepointsWorkInAReadOnlyTransactionOnAReplica() {
        routed.execute("INSERT INTO person (id, name) VALUES (1, 'replicated')");
        routed.awaitReplication();
        routed.onReplica(connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.from(connection.createSavepoint("read")))
                        .then(strings(connection, "SELECT 1/0").then(Mono.just("divided"))
                                .onErrorResume(R2dbcException.class, error -> Mono.just(error.getSqlState())))
                        .flatMap(failed -> Mono.from(connection.rollbackTransactionToSavepoint("read"))
                                .then(inRecovery(connection))
                                .flatMap(replica -> strings(connection, "SELECT name FROM person").single()
                                        .map(name -> failed + ":" + replica + ":" + name)))
                        .flatMap(outcome -> Mono.from(connection.commitTransaction()).thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("22012:true:replicated")
                .verifyComplete();
    }
}
