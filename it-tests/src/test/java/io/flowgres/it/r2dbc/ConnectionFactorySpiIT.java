package io.flowgres.it.r2dbc;

import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.flowgres.Flowgres;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.metrics.PoolUsage;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.ValidationDepth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.reactivestreams.Publisher;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The R2DBC SPI through {@link Flowgres#connectionFactory()} on a real server: statements, bindings,
 * batches, transactions, savepoints, isolation, auto-commit, validation, metadata, and how a
 * connection goes back to its pool (once; settled after a cancelled statement). The pool holds one
 * connection, so a connection that was not released would starve the next test, and a discarded one
 * shows as a new backend pid.
 */
@FlowgresCluster(replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ConnectionFactorySpiIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final PostgresCluster cluster;
    private Flowgres flowgres;
    private ConnectionFactory factory;

    ConnectionFactorySpiIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(cluster.clusterConfig().pool(Sql.ONE_CONNECTION)
                .applicationName("connection-factory-spi-it").build());
        factory = flowgres.connectionFactory();
        sql("CREATE TABLE person (id int PRIMARY KEY, name text, age int)");
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @BeforeEach
    void emptyTable() {
        sql("TRUNCATE person");
    }

    @Test
    void metadataIsPostgresqlsSoSpringDataFindsItsDialect() {
        assertThat(factory.getMetadata().getName()).isEqualTo("PostgreSQL");
        onConnection(connection -> Mono.just(connection.getMetadata().getDatabaseProductName()))
                .as(StepVerifier::create)
                .expectNext("PostgreSQL")
                .verifyComplete();
    }

    @Test
    void statementsBindPositionalAndNamedValuesAndNullsAcrossAddedBindings() {
        onConnection(connection -> Flux.from(connection
                        .createStatement("INSERT INTO person (id, name, age) VALUES ($1, $2, $3)")
                        .bind(0, 1).bind(1, "Ada").bind(2, 36).add()
                        .bind("$1", 2).bind("$2", "Grace").bindNull("$3", Integer.class).add()
                        .bind(0, 3).bindNull(1, String.class).bind(2, 41)
                        .execute())
                .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(1L, 1L, 1L)
                .verifyComplete();

        assertThat(people()).containsExactly("1:Ada:36", "2:Grace:null", "3:null:41");
    }

    @Test
    void batchesRunEveryStatementInOrder() {
        onConnection(connection -> Flux.from(connection.createBatch()
                        .add("INSERT INTO person (id, name) VALUES (1, 'a')")
                        .add("INSERT INTO person (id, name) VALUES (2, 'b')")
                        .add("UPDATE person SET age = 7")
                        .execute())
                .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(1L, 1L, 2L)
                .verifyComplete();

        assertThat(people()).containsExactly("1:a:7", "2:b:7");
    }

    @Test
    void commitKeepsATransactionsWorkAndRollbackDiscardsIt() {
        onConnection(connection -> Mono.from(connection.beginTransaction())
                .then(Mono.fromSupplier(connection::isAutoCommit))
                .flatMap(autoCommit -> insert(connection, 1, "kept").then(Mono.from(connection.commitTransaction()))
                        .thenReturn(autoCommit)))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
        onConnection(connection -> Mono.from(connection.beginTransaction())
                .then(insert(connection, 2, "discarded"))
                .then(Mono.from(connection.rollbackTransaction())))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(people()).containsExactly("1:kept:null");
    }

    @Test
    void rollingBackToASavepointUndoesOnlyWhatFollowedIt() {
        onConnection(connection -> Mono.from(connection.beginTransaction())
                .then(insert(connection, 1, "before"))
                .then(Mono.from(connection.createSavepoint("middle")))
                .then(insert(connection, 2, "after"))
                .then(Mono.from(connection.rollbackTransactionToSavepoint("middle")))
                .then(Mono.from(connection.releaseSavepoint("middle")))
                .then(insert(connection, 3, "again"))
                .then(Mono.from(connection.commitTransaction())))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(people()).containsExactly("1:before:null", "3:again:null");
    }

    @Test
    void aTransactionRunsAtTheIsolationLevelItAsksFor() {
        onConnection(connection -> Mono.from(connection.beginTransaction(IsolationLevel.SERIALIZABLE))
                .then(strings(connection, "SHOW transaction_isolation").single())
                .flatMap(level -> Mono.from(connection.commitTransaction()).thenReturn(level)))
                .as(StepVerifier::create)
                .expectNext("serializable")
                .verifyComplete();
        onConnection(connection -> Mono.just(connection.getTransactionIsolationLevel()))
                .as(StepVerifier::create)
                .expectNext(IsolationLevel.READ_COMMITTED)
                .verifyComplete();
    }

    @Test
    void autoCommitOffOpensATransactionThatClosingRollsBackAndThePoolGetsBackClean() {
        onConnection(connection -> Mono.from(connection.setAutoCommit(false))
                .then(insert(connection, 1, "uncommitted"))
                .then(Mono.fromSupplier(connection::isAutoCommit)))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();

        assertThat(people()).as("closed without commit: rolled back").isEmpty();
        onConnection(connection -> Mono.just(connection.isAutoCommit()))
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
    }

    @Test
    void validationAnswersLocallyAndOnTheServer() {
        onConnection(connection -> Flux.concat(connection.validate(ValidationDepth.LOCAL),
                        connection.validate(ValidationDepth.REMOTE)))
                .as(StepVerifier::create)
                .expectNext(true, true)
                .verifyComplete();
    }

    @Test
    void closingReleasesTheConnectionToItsPoolExactlyOnce() {
        String pidBefore = backendPid();
        Connection connection = Mono.from(factory.create()).block(WAIT);
        assertThat(pool().acquired()).isEqualTo(1);
        assertThat(flowgres.topology().inFlight()).as("a leased connection is load on its node").isEqualTo(1);

        Mono.from(connection.close()).block(WAIT);
        Mono.from(connection.close()).block(WAIT);

        assertThat(pool().acquired()).isZero();
        assertThat(pool().idle()).isEqualTo(1);
        assertThat(flowgres.topology().inFlight()).isZero();
        assertThat(backendPid()).as("the one pooled connection serves again: pooled, not discarded")
                .isEqualTo(pidBefore);
    }

    @Test
    void cancellingARunningStatementStopsItOnTheServerAndDiscardsTheConnection() {
        String cancelledPid = backendPid();
        List<String> none = Flux.usingWhen(factory.create(),
                        connection -> strings(connection, "SELECT pg_sleep(30)::text"), Connection::close)
                .take(Duration.ofMillis(300))
                .collectList()
                .block(WAIT);
        assertThat(none).isEmpty();

        Await.until("the cancelled connection settled", () -> pool().acquired() == 0
                && flowgres.topology().inFlight() == 0, WAIT);
        // Statements right after the cancel: a late cancel signal would abort one of them with 57014.
        for (int i = 0; i < 5; i++) {
            assertThat(onConnection(connection -> strings(connection, "SELECT pg_sleep(0.05)::text || 'ok'"))
                    .blockLast(WAIT)).isEqualTo("ok");
        }
        assertThat(backendPid()).as("the cancelled connection was discarded, not pooled").isNotEqualTo(cancelledPid);
        Await.until("the cancelled pg_sleep to end on the server", () -> sleepingBackends() == 0, WAIT);
    }

    @Test
    void aDatabaseClientQueryCancelledWhileRunningLeaksNoConnection() {
        DatabaseClient client = DatabaseClient.create(factory);
        List<String> none = client.sql("SELECT pg_sleep(30)::text").map(row -> row.get(0, String.class)).all()
                .take(Duration.ofMillis(300))
                .collectList()
                .block(WAIT);
        assertThat(none).isEmpty();

        Await.until("the cancelled connection settled", () -> pool().acquired() == 0
                && flowgres.topology().inFlight() == 0, WAIT);
        assertThat(client.sql("SELECT 'next'").map(row -> row.get(0, String.class)).one().block(WAIT))
                .isEqualTo("next");
        Await.until("the cancelled pg_sleep to end on the server", () -> sleepingBackends() == 0, WAIT);
    }

    @Test
    void takingTheFirstRowOfAFinishedQueryKeepsTheConnection() {
        String before = backendPid();
        for (int i = 0; i < 5; i++) {
            assertThat(onConnection(connection -> strings(connection,
                    "SELECT n::text FROM generate_series(1, 3) AS n")).next().block(WAIT)).isEqualTo("1");
            Await.until("the connection settled", () -> pool().acquired() == 0, WAIT);
        }
        assertThat(backendPid()).as("the same backend served every query").isEqualTo(before);
    }

    private <T> Flux<T> onConnection(Function<Connection, Publisher<T>> work) {
        return Flux.usingWhen(factory.create(), work, Connection::close);
    }

    private static Mono<Long> insert(Connection connection, int id, String name) {
        return Flux.from(connection.createStatement("INSERT INTO person (id, name) VALUES ($1, $2)")
                        .bind("$1", id).bind("$2", name).execute())
                .flatMap(result -> result.getRowsUpdated())
                .single();
    }

    private List<String> people() {
        return onConnection(connection -> Flux.from(connection
                        .createStatement("SELECT id, name, age FROM person ORDER BY id").execute())
                .flatMap(result -> result.map(row -> row.get("id", Integer.class) + ":" + row.get("name", String.class)
                        + ":" + row.get("age", Integer.class))))
                .collectList()
                .block(WAIT);
    }

    private void sql(String statement) {
        onConnection(connection -> Sql.execute(connection, statement)).blockLast(WAIT);
    }

    private String backendPid() {
        return onConnection(connection -> strings(connection, "SELECT pg_backend_pid()::text")).blockLast(WAIT);
    }

    private long sleepingBackends() {
        return Long.parseLong(onConnection(connection -> strings(connection,
                        "SELECT count(*)::text FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)::text'"))
                .blockLast(WAIT));
    }

    private PoolUsage pool() {
        return flowgres.topology().node("primary").orElseThrow().pool();
    }
}
