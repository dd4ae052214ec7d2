package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Committed;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Write safety where it is hardest, on a real primary: a {@code COMMIT} that outlives the deadline
 * is an unknown outcome, never a re-run; a commit whose consistency token cannot be read afterwards
 * (its connection terminated, or the read hanging past the deadline) is answered once, with its
 * results and a token that routes to the writer. Each case counts how often the work ran and how
 * many rows exist: never a duplicate.
 *
 * <p>The token's read is broken on purpose: the work puts a schema of traps before {@code pg_catalog}
 * in its session's {@code search_path}, whose own {@code pg_current_wal_insert_lsn()} then terminates
 * its backend or sleeps, as the session's {@code flowgres_test.trap} setting says. Probes run on
 * connections of their own, so they never meet the trap.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class WriteSafetyIT {

    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final PostgresCluster cluster;
    private Flowgres flowgres;

    WriteSafetyIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(cluster.clusterConfig().build());
        flowgres.write(Query.named("setup"), connection -> Flux.concat(
                        execute(connection, "CREATE TABLE safe_row (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                                + "test text NOT NULL)"),
                        // A COMMIT that takes 3 s: a deferred constraint trigger runs at COMMIT, not before.
                        execute(connection, "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                                + "BEGIN IF NEW.test LIKE 'slow-commit%' THEN PERFORM pg_sleep(3); END IF; "
                                + "RETURN NULL; END $$"),
                        execute(connection, "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON safe_row "
                                + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"),
                        execute(connection, "CREATE SCHEMA traps"),
                        execute(connection, "CREATE FUNCTION traps.pg_current_wal_insert_lsn() RETURNS pg_lsn "
                                + "LANGUAGE plpgsql AS $$ BEGIN "
                                + "IF current_setting('flowgres_test.trap', true) = 'terminate' THEN "
                                + "PERFORM pg_terminate_backend(pg_backend_pid()); "
                                + "ELSIF current_setting('flowgres_test.trap', true) = 'hang' THEN "
                                + "PERFORM pg_sleep(5); END IF; "
                                + "RETURN pg_catalog.pg_current_wal_insert_lsn(); END $$")))
                .blockLast(WAIT);
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void aCommitOutlivingTheDeadlineIsAnUnknownOutcomeAndNeverReRun() {
        AtomicInteger runs = new AtomicInteger();
        flowgres.transaction(Query.named("safe.slowCommit").withTimeout(DEADLINE),
                        connection -> {
                            runs.incrementAndGet();
                            return insert(connection, "slow-commit-tx");
                        })
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(OutcomeUnknownException.class)
                        .hasMessageContaining("COMMIT"))
                .verify(WAIT);

        assertThat(runs).as("times the transaction ran").hasValue(1);
        awaitNoCommitInFlight();
        assertThat(rows("slow-commit-tx")).as("rows written").isLessThanOrEqualTo(1);
    }

    @Test
    void aCommittedTransactionWhoseCommitOutlivesTheDeadlineIsNotReRunEither() {
        AtomicInteger runs = new AtomicInteger();
        flowgres.transactionCommitted(Query.named("safe.slowCommitCommitted").withTimeout(DEADLINE),
                        connection -> {
                            runs.incrementAndGet();
                            return insert(connection, "slow-commit-committed");
                        })
                .as(StepVerifier::create)
                .expectError(OutcomeUnknownException.class)
                .verify(WAIT);

        assertThat(runs).as("times the transaction ran").hasValue(1);
        awaitNoCommitInFlight();
        assertThat(rows("slow-commit-committed")).as("rows written").isLessThanOrEqualTo(1);
    }

    @Test
    void aTokenReadKilledAfterTheCommitReturnsTheResultOnceWithAWriterToken() {
        committedOnceDespiteTheTokenRead("terminate", "token-terminated");
    }

    @Test
    void aTokenReadHangingPastTheDeadlineReturnsTheResultOnceWithAWriterToken() {
        committedOnceDespiteTheTokenRead("hang", "token-hanging");
    }

    /** Writes and transacts once each with the token's read trapped, on a facade of their own. */
    private void committedOnceDespiteTheTokenRead(String trap, String test) {
        try (Flowgres trapped = Flowgres.create(cluster.clusterConfig().build())) {
            AtomicInteger writes = new AtomicInteger();
            AtomicInteger transactions = new AtomicInteger();

            Committed<Long> written = trapped.writeCommitted(Query.named("safe.tokenWrite").withTimeout(DEADLINE),
                    connection -> {
                        writes.incrementAndGet();
                        return setTrap(connection, trap).thenMany(Flux.defer(() -> insert(connection, test)));
                    }).block(WAIT);
            Committed<Long> transacted = trapped.transactionCommitted(
                    Query.named("safe.tokenTransaction").withTimeout(DEADLINE), connection -> {
                        transactions.incrementAndGet();
                        return setTrap(connection, trap).thenMany(Flux.defer(() -> insert(connection, test)));
                    }).block(WAIT);

            assertThat(writes).as("times the write ran").hasValue(1);
            assertThat(transactions).as("times the transaction ran").hasValue(1);
            assertThat(List.of(written, transacted)).allSatisfy(committed -> {
                assertThat(committed.results()).hasSize(1);
                assertThat(committed.token()).isEqualTo(ConsistencyToken.writerOnly());
            });
            assertThat(rows(test)).as("rows written").isEqualTo(2);
        }
    }

    /** Arms the trap for the rest of this connection's session (kept after a commit). */
    private static Flux<String> setTrap(Connection connection, String trap) {
        return strings(connection, "SELECT set_config('search_path', 'traps, pg_catalog, public', false) || "
                + "set_config('flowgres_test.trap', '" + trap + "', false)");
    }

    private static Flux<Long> insert(Connection connection, String test) {
        return Flux.from(connection.createStatement("INSERT INTO safe_row (test) VALUES ($1) RETURNING id")
                        .bind("$1", test).execute())
                .flatMap(result -> result.map(row -> row.get(0, Long.class)));
    }

    /** Waits until no backend is inside the slow COMMIT any more: its outcome is settled then. */
    private void awaitNoCommitInFlight() {
        Await.until("the delayed COMMIT settled", () -> "0".equals(flowgres.read(Query.named("safe.inFlight")
                        .withRoute(Route.PRIMARY), connection -> strings(connection, "SELECT count(*)::text "
                        + "FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).blockLast(WAIT)),
                Duration.ofSeconds(15));
    }

    private long rows(String test) {
        return Long.parseLong(flowgres.read(Query.named("safe.rows").withRoute(Route.PRIMARY), connection -> strings(
                        connection, "SELECT count(*)::text FROM safe_row WHERE test = '" + test + "'"))
                .blockLast(WAIT));
    }
}
