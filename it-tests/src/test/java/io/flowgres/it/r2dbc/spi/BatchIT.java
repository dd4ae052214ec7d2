package io.flowgres.it.r2dbc.spi;

import static org.assertj.core.api.Assertions.assertThat;


import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.R2dbcException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Batches through {@link Flowgres#connectionFactory()} on a real primary with two replicas: a
 * {@code connection.createBatch()} of statements and a statement with bindings added by
 * {@code statement.add()}, one result per statement or binding, in order; a failing batch (sent as one
 * query string, so it is one implicit transaction); and a batch of reads on a replica inside
 * {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class BatchIT {

    @AutoClose
    private final RoutedFactory routed;

    BatchIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "batch-it");
        routed.execute("CREATE TABLE person (id int PRIMARY KEY, name text, age int)");
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE person");
    }

    @Test
    void batchesRunEveryStatementInOrder() {
        routed.onPrimary(connection -> Flux.from(connection.createBatch()
                                .add("INSERT INTO person (id, name) VALUES (1, 'a')")
                                .add("INSERT INTO person (id, name) VALUES (2, 'b')")
                                .add("UPDATE person SET age = 7")
                                .execute())
                        .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(1L, 1L, 2L)
                .verifyComplete();

        assertThat(routed.peopleWithAges()).containsExactly("1:a:7", "2:b:7");
    }

    @Test
    void aStatementWithAddedBindingsRunsOncePerBinding() {
        routed.execute("INSERT INTO person (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        routed.onPrimary(connection -> Flux.from(connection.createStatement("UPDATE person SET age = $1 WHERE id <= $2")
                                .bind(0, 10).bind(1, 3).add()
                                .bind(0, 20).bind(1, 2).add()
                                .bind(0, 30).bind(1, 1)
                                .execute())
                        .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(3L, 2L, 1L)
                .verifyComplete();

        assertThat(routed.peopleWithAges()).containsExactly("1:a:30", "2:b:20", "3:c:10");
    }

    @Test
    void aBatchWithAFailingStatementFailsWithItsSqlStateAndKeepsNothing() {
        routed.onPrimary(connection -> Flux.from(connection.createBatch()
                                .add("INSERT INTO person (id, name) VALUES (1, 'a')")
                                .add("INSERT INTO person (id, name) VALUES (1, 'duplicate')")
                                .add("INSERT INTO person (id, name) VALUES (3, 'c')")
                                .execute())
                        .concatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .thenConsumeWhile(updated -> true)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOfSatisfying(R2dbcException.class,
                        failed -> assertThat(failed.getSqlState()).isEqualTo("23505")))
                .verify(RoutedFactory.WAIT);

        assertThat(routed.peopleWithAges()).as("one query string is one implicit transaction").isEmpty();
        assertThat(routed.query("SELECT 'the connection serves again'")).containsExactly("the connection serves again");
    }

    @Test
    void aBatchInsideATransactionCommitsWithIt() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction())
                        .thenMany(Flux.from(connection.createBatch()
                                        .add("INSERT INTO person (id, name) VALUES (1, 'a')")
                                        .add("INSERT INTO person (id, name) VALUES (2, 'b')")
                                        .execute())
                                .concatMap(result -> result.getRowsUpdated()))
                        .concatWith(Mono.from(connection.commitTransaction()).then(Mono.<Long>empty())))
                .as(StepVerifier::create)
                .expectNext(1L, 1L)
                .verifyComplete();

        assertThat(routed.peopleWithAges()).containsExactly("1:a:null", "2:b:null");
    }

    @Test
    void aBatchOfReadsRunsOnAReplicaInsideReadOnly() {
        routed.onReplica(connection -> Flux.from(connection.createBatch()
                                .add("SELECT pg_is_in_recovery()")
                                .add("SELECT current_setting('transaction_read_only') = 'on'")
                                .execute())
                        .concatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                .as(StepVerifier::create)
                .expectNext(true, true)
                .verifyComplete();
        routed.onPrimary(connection -> Flux.from(connection.createBatch()
                                .add("SELECT pg_is_in_recovery()")
                                .execute())
                        .concatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }
}
