package io.flowgres.web.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DataAccessException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Spring transactions on the routing factory, re-run by {@link TransactionRetry} exactly when that is
 * safe, on a real primary and replica: a read-write transaction PostgreSQL rolled back for a conflict
 * runs again and writes once; a constraint violation is not re-run; a read-only transaction whose
 * connection was terminated runs again, while the read-write rule leaves that failure alone. The
 * conflict is raised after the transaction's insert, on its first run only (a sequence counts runs:
 * {@code nextval} is not rolled back).
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TransactionRetryIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RetryPolicy QUICK = RetryPolicy.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
            .build();

    private final ClusterConfig config;
    private Flowgres flowgres;
    private DatabaseClient client;
    private TransactionalOperator readWrite;
    private TransactionalOperator readOnly;

    TransactionRetryIT(ClusterConfig config) {
        this.config = config;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(config);
        FlowgresTransactionManager manager = new FlowgresTransactionManager(flowgres.connectionFactory());
        client = DatabaseClient.create(flowgres.connectionFactory());
        readWrite = TransactionalOperator.create(manager);
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setReadOnly(true);
        readOnly = TransactionalOperator.create(manager, definition);
        for (String sql : new String[] {
            "CREATE TABLE retried (tag text PRIMARY KEY)",
            "CREATE SEQUENCE conflict_runs",
            "CREATE FUNCTION conflict_on_first_run() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF nextval('conflict_runs') = 1 THEN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; "
                    + "END IF; RETURN 1; END $$"}) {
            client.sql(sql).then().block(WAIT);
        }
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void aTransactionRolledBackForAConflictRunsAgainAndWritesOnce() {
        AtomicInteger runs = new AtomicInteger();
        Mono<Integer> transaction = readWrite.transactional(Mono.defer(() -> {
            runs.incrementAndGet();
            return client.sql("INSERT INTO retried (tag) VALUES ('conflict')").then()
                    .then(client.sql("SELECT conflict_on_first_run()").map(row -> row.get(0, Integer.class)).one());
        }));

        StepVerifier.create(transaction.retryWhen(TransactionRetry.rollbacks(QUICK))).expectNext(1).verifyComplete();

        assertThat(runs).hasValue(2);
        assertThat(client.sql("SELECT count(*) FROM retried WHERE tag = 'conflict'")
                .map(row -> row.get(0, Long.class)).one().block(WAIT)).isEqualTo(1L);
    }

    @Test
    void aConstraintViolationIsNotRunAgain() {
        client.sql("INSERT INTO retried (tag) VALUES ('taken')").then().block(WAIT);
        AtomicInteger runs = new AtomicInteger();
        Mono<Long> transaction = readWrite.transactional(Mono.defer(() -> {
            runs.incrementAndGet();
            return client.sql("INSERT INTO retried (tag) VALUES ('taken')").fetch().rowsUpdated();
        }));

        StepVerifier.create(transaction.retryWhen(TransactionRetry.rollbacks(QUICK)))
                .expectError(DataAccessException.class).verify(WAIT);
        assertThat(runs).hasValue(1);
    }

    @Test
    void aReadOnlyTransactionWhoseConnectionDiedRunsAgainButAReadWriteOneDoesNot() {
        AtomicInteger readOnlyRuns = new AtomicInteger();
        Mono<Boolean> read = readOnly.transactional(Mono.defer(() -> readOnlyRuns.incrementAndGet() == 1
                ? client.sql("SELECT pg_terminate_backend(pg_backend_pid())").map(row -> false).one()
                : client.sql("SELECT pg_is_in_recovery()").map(row -> row.get(0, Boolean.class)).one()));
        StepVerifier.create(read.retryWhen(TransactionRetry.readOnly(QUICK))).expectNext(true).verifyComplete();
        assertThat(readOnlyRuns).hasValue(2);

        AtomicInteger readWriteRuns = new AtomicInteger();
        Mono<Boolean> write = readWrite.transactional(Mono.defer(() -> {
            readWriteRuns.incrementAndGet();
            return client.sql("SELECT pg_terminate_backend(pg_backend_pid())").map(row -> false).one();
        }));
        StepVerifier.create(write.retryWhen(TransactionRetry.rollbacks(QUICK))).expectError().verify(WAIT);
        assertThat(readWriteRuns).as("a read-write transaction that lost its connection is never re-run")
                .hasValue(1);
    }
}
