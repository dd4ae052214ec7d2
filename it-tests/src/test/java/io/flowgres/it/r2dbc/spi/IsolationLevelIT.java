package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Isolation levels through {@link Flowgres#connectionFactory()} on a real primary with two replicas:
 * what {@code setTransactionIsolationLevel} sets is what {@code getTransactionIsolationLevel} and the
 * server ({@code SHOW transaction_isolation}) report, a transaction's own level, what the next
 * borrower of the pooled connection finds, and the same on a replica inside
 * {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class IsolationLevelIT {

    private static final String SHOW = "SHOW transaction_isolation";

    @AutoClose
    private final RoutedFactory routed;

    IsolationLevelIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "isolation-level-it");
    }

    @Test
    void aNewConnectionIsReadCommittedByBothAccounts() {
        routed.onPrimary(connection -> strings(connection, SHOW)
                        .map(level -> connection.getTransactionIsolationLevel() + "/" + level))
                .as(StepVerifier::create)
                .expectNext(IsolationLevel.READ_COMMITTED + "/read committed")
                .verifyComplete();
    }

    @Test
    void everyLevelSetOnAConnectionIsTheOneTheServerReports() {
        List<IsolationLevel> levels = List.of(IsolationLevel.READ_UNCOMMITTED, IsolationLevel.REPEATABLE_READ,
                IsolationLevel.SERIALIZABLE, IsolationLevel.READ_COMMITTED);
        routed.onPrimary(connection -> Flux.fromIterable(levels)
                        .concatMap(level -> Mono.from(connection.setTransactionIsolationLevel(level))
                                .then(strings(connection, SHOW).single())
                                .map(shown -> level + "=" + connection.getTransactionIsolationLevel() + "/" + shown)))
                .as(StepVerifier::create)
                .expectNext(expected(IsolationLevel.READ_UNCOMMITTED), expected(IsolationLevel.REPEATABLE_READ),
                        expected(IsolationLevel.SERIALIZABLE), expected(IsolationLevel.READ_COMMITTED))
                .verifyComplete();
    }

    @Test
    void aTransactionRunsAtTheIsolationLevelItAsksFor() {
        routed.onPrimary(connection -> Mono.from(connection.beginTransaction(IsolationLevel.SERIALIZABLE))
                        .then(strings(connection, SHOW).single())
                        .flatMap(level -> Mono.from(connection.commitTransaction()).thenReturn(level)))
                .as(StepVerifier::create)
                .expectNext("serializable")
                .verifyComplete();
        routed.onPrimary(connection -> strings(connection, SHOW)
                        .map(level -> connection.getTransactionIsolationLevel() + "/" + level))
                .as(StepVerifier::create)
                .expectNext(IsolationLevel.READ_COMMITTED + "/read committed")
                .verifyComplete();
    }

    @Test
    void theNextBorrowerOfAPooledConnectionGetsTheDefaultLevelBack() {
        String pid = routed.primaryPid();
        try {
            routed.onPrimary(connection -> level(connection, IsolationLevel.SERIALIZABLE)
                            .then(strings(connection, SHOW).single()))
                    .as(StepVerifier::create)
                    .expectNext("serializable")
                    .verifyComplete();

            routed.onPrimary(connection -> strings(connection, "SELECT pg_backend_pid() || '/' || "
                                    + "current_setting('transaction_isolation')")
                            .map(shown -> connection.getTransactionIsolationLevel() + "/" + shown))
                    .as(StepVerifier::create)
                    .expectNext(IsolationLevel.READ_COMMITTED + "/" + pid + "/read committed")
                    .verifyComplete();
        } finally {
            resetPrimaryConnection();
        }
    }

    @Test
    void levelsApplyOnAReplicaInsideReadOnly() {
        routed.onReplica(connection -> level(connection, IsolationLevel.REPEATABLE_READ)
                        .then(inRecovery(connection))
                        .flatMap(replica -> strings(connection, SHOW).single()
                                .map(shown -> replica + ":" + connection.getTransactionIsolationLevel() + "/" + shown))
                        .flatMap(outcome -> level(connection, IsolationLevel.READ_COMMITTED)
                                .thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("true:" + IsolationLevel.REPEATABLE_READ + "/repeatable read")
                .verifyComplete();
        routed.onPrimary(connection -> level(connection, IsolationLevel.REPEATABLE_READ)
                        .then(inRecovery(connection))
                        .flatMap(replica -> strings(connection, SHOW).single().map(shown -> replica + ":" + shown))
                        .flatMap(outcome -> level(connection, IsolationLevel.READ_COMMITTED)
                                .thenReturn(outcome)))
                .as(StepVerifier::create)
                .expectNext("false:repeatable read")
                .verifyComplete();
    }

    /** Puts the primary's one pooled connection back to the server's default, whatever a test left. */
    private void resetPrimaryConnection() {
        routed.onPrimary(connection -> level(connection, IsolationLevel.READ_COMMITTED))
                .blockLast(RoutedFactory.WAIT);
    }

    /** Sets a connection's isolation level for the transactions that follow. */
    private static Mono<Void> level(Connection connection, IsolationLevel level) {
        return Mono.from(connection.setTransactionIsolationLevel(level));
    }

    private static String expected(IsolationLevel level) {
        return level + "=" + level + "/" + level.asSql().toLowerCase(Locale.ROOT);
    }
}
