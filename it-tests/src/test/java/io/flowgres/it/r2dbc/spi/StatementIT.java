package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Statements through {@link Flowgres#connectionFactory()} on a real primary with two replicas: with
 * and without parameters, several in one string, generated values, a fetch size, a failing one; on
 * the writer without a route and on a replica inside {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class StatementIT {

    @AutoClose
    private final RoutedFactory routed;

    StatementIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "statement-it");
        routed.execute("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL, "
                + "created timestamptz NOT NULL DEFAULT now())");
        routed.execute("CREATE TABLE numbers AS SELECT n FROM generate_series(1, 1000) AS n");
        routed.awaitReplication();
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE item RESTART IDENTITY");
    }

    @Test
    void anUnparameterizedStatementReturnsItsRows() {
        routed.onPrimary(connection -> strings(connection, "SELECT n::text FROM generate_series(1, 3) AS n"))
                .as(StepVerifier::create)
                .expectNext("1", "2", "3")
                .verifyComplete();
    }

    @Test
    void aParameterizedStatementRunsWithItsBoundValues() {
        routed.onPrimary(connection -> Flux.from(connection.createStatement("SELECT $1::int + $2::int, $3::text")
                                .bind(0, 40).bind(1, 2).bind(2, "answer").execute())
                        .flatMap(result -> result.map(row -> row.get(1, String.class) + "="
                                + row.get(0, Integer.class))))
                .as(StepVerifier::create)
                .expectNext("answer=42")
                .verifyComplete();
    }

    @Test
    void severalStatementsInOneStringAnswerOneResultEach() {
        routed.onPrimary(connection -> strings(connection, "SELECT 'first'; SELECT 'second'"))
                .as(StepVerifier::create)
                .expectNext("first", "second")
                .verifyComplete();
    }

    @Test
    void returnGeneratedValuesReturnsTheNamedColumnsOfTheInsertedRows() {
        routed.onPrimary(connection -> Flux.from(connection.createStatement("INSERT INTO item (name) VALUES ($1)")
                                .bind(0, "a").add()
                                .bind(0, "b")
                                .returnGeneratedValues("id")
                                .execute())
                        .flatMap(result -> result.map((row, metadata) -> metadata.getColumnMetadatas().size() + ":"
                                + row.get("id", Integer.class))))
                .as(StepVerifier::create)
                .expectNext("1:1", "1:2")
                .verifyComplete();
    }

    @Test
    void returnGeneratedValuesWithoutColumnsReturnsTheWholeInsertedRow() {
        routed.onPrimary(connection -> Flux.from(connection.createStatement("INSERT INTO item (name) VALUES ('c')")
                                .returnGeneratedValues()
                                .execute())
                        .flatMap(result -> result.map(row -> row.get("id", Integer.class) + ":"
                                + row.get("name", String.class) + ":" + (row.get("created") != null))))
                .as(StepVerifier::create)
                .expectNext("1:c:true")
                .verifyComplete();
    }

    @Test
    void aFetchSizeStillDeliversEveryRowInOrder() {
        String[] expected = IntStream.rangeClosed(1, 1000).mapToObj(Integer::toString).toArray(String[]::new);
        routed.onPrimary(connection -> Flux.from(connection.createStatement("SELECT n FROM numbers WHERE n >= $1 "
                                + "ORDER BY n").bind(0, 1).fetchSize(10).execute())
                        .flatMap(result -> result.map(row -> String.valueOf(row.get(0, Integer.class)))))
                .as(StepVerifier::create)
                .expectNext(expected)
                .verifyComplete();
        routed.onReplica(connection -> Flux.from(connection.createStatement("SELECT n FROM numbers ORDER BY n")
                                .fetchSize(7).execute())
                        .flatMap(result -> result.map(row -> String.valueOf(row.get(0, Integer.class)))))
                .as(StepVerifier::create)
                .expectNext(expected)
                .verifyComplete();
    }

    @Test
    void aFailingStatementReportsItsSqlStateAndLeavesTheConnectionUsable() {
        String pid = routed.primaryPid();
        routed.onPrimary(connection -> Flux.concat(
                        strings(connection, "SELEKT 1").onErrorResume(R2dbcBadGrammarException.class,
                                error -> Flux.just(error.getSqlState())),
                        strings(connection, "SELECT 'still usable'")))
                .as(StepVerifier::create)
                .expectNext("42601", "still usable")
                .verifyComplete();
        assertThat(routed.primaryPid()).as("the connection went back to its pool").isEqualTo(pid);
    }

    @Test
    void statementsRunOnAReplicaInsideReadOnlyAndOnThePrimaryWithout() {
        routed.onReplica(connection -> inRecovery(connection))
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
        routed.onPrimary(connection -> inRecovery(connection))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void aWriteOnAReplicaConnectionFailsAsReadOnly() {
        routed.onReplica(connection -> strings(connection, "INSERT INTO item (name) VALUES ('refused')"))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOfSatisfying(R2dbcException.class,
                                refused -> assertThat(refused.getSqlState()).isEqualTo("25006")))
                .verify(WAIT);
    }
}
