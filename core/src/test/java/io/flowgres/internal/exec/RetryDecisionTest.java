package io.flowgres.internal.exec;

import static io.flowgres.internal.exec.OperationKind.READ;
import static io.flowgres.internal.exec.OperationKind.TRANSACTION;
import static io.flowgres.internal.exec.OperationKind.WRITE;
import static io.flowgres.internal.exec.Progress.COMMITTED;
import static io.flowgres.internal.exec.Progress.COMMIT_SENT;
import static io.flowgres.internal.exec.Progress.NOT_SENT;
import static io.flowgres.internal.exec.Progress.SENT;
import static io.flowgres.internal.exec.RetryDecision.Verdict.FAIL;
import static io.flowgres.internal.exec.RetryDecision.Verdict.OUTCOME_UNKNOWN;
import static io.flowgres.internal.exec.RetryDecision.Verdict.RETRY;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.routing.Router;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.routing.ConsistencyToken;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every retry decision as a table: kind, idempotence, how far the attempt got, what it failed
 * with, and whether attempts and time are left, against the verdict. The rows name the safety
 * rule each one pins down.
 */
final class RetryDecisionTest {

    private static final Throwable CONNECTION_LOST = new R2dbcNonTransientResourceException("connection closed");
    private static final Throwable TIMEOUT = new TimeoutException("deadline");
    private static final Throwable ADMIN_SHUTDOWN = new R2dbcNonTransientResourceException("terminating", "57P01");
    private static final Throwable SERIALIZATION = new R2dbcRollbackException("could not serialize", "40001");
    private static final Throwable DEADLOCK = new R2dbcRollbackException("deadlock", "40P01");
    private static final Throwable UNIQUE = new R2dbcDataIntegrityViolationException("duplicate key", "23505");
    private static final Throwable SYNTAX = new R2dbcBadGrammarException("syntax error", "42601");
    private static final Throwable TOO_MANY = new R2dbcTransientResourceException("too many clients", "53300");
    private static final Throwable LOCK = new R2dbcTransientResourceException("lock not available", "55P03");
    private static final Throwable ACQUIRE = new NodeAcquireException("replica-1", new TimeoutException("pool"));
    private static final Throwable BREAKER = CallNotPermittedException
            .createCallNotPermittedException(CircuitBreaker.ofDefaults("primary"));
    private static final Throwable OVERLOADED = new NodeOverloadedException("replica-1", 8);
    private static final Throwable BEHIND = new ReplicaBehindException("replica-1", 900, new ConsistencyToken(1000));
    private static final Throwable NO_NODE = new NoNodeException(
            new Router.Selection.None("no replica", null, Duration.ofSeconds(1)));
    private static final Throwable DECIDED = new QueryTimeoutException("decided", "q", "n", null,
            QueryTimeoutException.Phase.EXECUTE, null, null);

    static Stream<Arguments> table() {
        return Stream.of(
                // what, kind, idempotent, progress, emitted, error, attempts left, time left, verdict
                row("nothing sent: a failed acquire is retried, even for a write", WRITE, false, NOT_SENT, ACQUIRE,
                        RETRY),
                row("nothing sent: an open breaker is retried on another node", READ, false, NOT_SENT, BREAKER,
                        RETRY),
                row("nothing sent: no node the route allows ends the operation", READ, false, NOT_SENT, NO_NODE, FAIL),
                row("nothing sent: a node at its limit is passed over, even for a write", WRITE, false, NOT_SENT,
                        OVERLOADED, RETRY),
                row("nothing sent: a replica behind the caller's token is passed over", READ, false, NOT_SENT,
                        BEHIND, RETRY),
                row("a read retries a lost connection", READ, false, SENT, CONNECTION_LOST, RETRY),
                row("a read retries a timeout", READ, false, SENT, TIMEOUT, RETRY),
                row("a read retries a server shutdown", READ, false, SENT, ADMIN_SHUTDOWN, RETRY),
                row("a read retries too many connections", READ, false, SENT, TOO_MANY, RETRY),
                row("a read retries a serialization failure", READ, false, SENT, SERIALIZATION, RETRY),
                row("a read never retries bad SQL", READ, false, SENT, SYNTAX, FAIL),
                row("a lock not available is not transient unless chosen", READ, false, SENT, LOCK, FAIL),
                row("a write sent then cut off may have been applied", WRITE, false, SENT, CONNECTION_LOST,
                        OUTCOME_UNKNOWN),
                row("a write sent then timed out may have been applied", WRITE, false, SENT, TIMEOUT,
                        OUTCOME_UNKNOWN),
                row("a shutdown carries a SQLSTATE but is no answer to the write", WRITE, false, SENT, ADMIN_SHUTDOWN,
                        OUTCOME_UNKNOWN),
                row("a write the server refused is a definite failure", WRITE, false, SENT, UNIQUE, FAIL),
                row("a write rolled back by the server is not re-run unless idempotent", WRITE, false, SENT,
                        SERIALIZATION, FAIL),
                row("an idempotent write retries a lost connection", WRITE, true, SENT, CONNECTION_LOST, RETRY),
                row("an idempotent write still fails on a constraint", WRITE, true, SENT, UNIQUE, FAIL),
                row("a transaction re-runs on a serialization failure", TRANSACTION, false, SENT, SERIALIZATION,
                        RETRY),
                row("a transaction re-runs on a deadlock", TRANSACTION, false, SENT, DEADLOCK, RETRY),
                row("a COMMIT answered with a serialization failure rolled back: re-run", TRANSACTION, false,
                        COMMIT_SENT, SERIALIZATION, RETRY),
                row("a transaction cut off before COMMIT was rolled back: re-run", TRANSACTION, false, SENT,
                        CONNECTION_LOST, RETRY),
                row("a transaction timed out before COMMIT was rolled back: re-run", TRANSACTION, false, SENT,
                        TIMEOUT, RETRY),
                row("a COMMIT cut off may have committed", TRANSACTION, false, COMMIT_SENT, CONNECTION_LOST,
                        OUTCOME_UNKNOWN),
                row("a COMMIT timed out may have committed", TRANSACTION, false, COMMIT_SENT, TIMEOUT,
                        OUTCOME_UNKNOWN),
                row("a server shutdown during COMMIT may have committed", TRANSACTION, false, COMMIT_SENT,
                        ADMIN_SHUTDOWN, OUTCOME_UNKNOWN),
                row("committed work that then failed is never re-run", TRANSACTION, false, COMMITTED,
                        CONNECTION_LOST, OUTCOME_UNKNOWN),
                row("a committed write that then failed is never re-run", WRITE, true, COMMITTED, TIMEOUT,
                        OUTCOME_UNKNOWN),
                row("a transaction never re-runs on a constraint", TRANSACTION, false, SENT, UNIQUE, FAIL),
                row("an error already translated is final", READ, false, SENT, DECIDED, FAIL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String rule, OperationKind kind, boolean idempotent, Progress progress, Throwable error,
            RetryDecision.Verdict expected) {
        Attempt attempt = new Attempt(1, "node", progress, false, false);

        assertThat(RetryDecision.decide(kind, idempotent, attempt, error, true, true, false)).as(rule)
                .isEqualTo(expected);
    }

    static Stream<Arguments> limits() {
        return Stream.of(
                Arguments.of("rows already emitted cannot be replayed", true, true, true, FAIL),
                Arguments.of("no attempts left", false, false, true, FAIL),
                Arguments.of("no time left", false, true, false, FAIL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void transientReadFailsWhen(String rule, boolean emitted, boolean attemptsLeft, boolean timeLeft,
            RetryDecision.Verdict expected) {
        Attempt attempt = new Attempt(2, "node", SENT, emitted, true);

        assertThat(RetryDecision.decide(READ, false, attempt, CONNECTION_LOST, attemptsLeft, timeLeft, false))
                .as(rule).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void unknownOutcomeWinsOverEveryLimit(String rule, boolean emitted, boolean attemptsLeft, boolean timeLeft,
            RetryDecision.Verdict ignored) {
        Attempt attempt = new Attempt(3, "primary", COMMIT_SENT, emitted, true);

        assertThat(RetryDecision.decide(TRANSACTION, false, attempt, CONNECTION_LOST, attemptsLeft, timeLeft, false))
                .as(rule).isEqualTo(OUTCOME_UNKNOWN);
    }

    @ParameterizedTest(name = "lock not available retried by choice: {0}")
    @MethodSource("lockKinds")
    void lockNotAvailableIsRetriedWhenChosen(OperationKind kind, boolean idempotent) {
        Attempt attempt = new Attempt(1, "primary", SENT, false, false);

        assertThat(RetryDecision.decide(kind, idempotent, attempt, LOCK, true, true, true)).isEqualTo(RETRY);
    }

    static Stream<Arguments> lockKinds() {
        return Stream.of(Arguments.of(READ, false), Arguments.of(TRANSACTION, false), Arguments.of(WRITE, true));
    }

    private static Arguments row(String rule, OperationKind kind, boolean idempotent, Progress progress,
            Throwable error, RetryDecision.Verdict verdict) {
        return Arguments.of(rule, kind, idempotent, progress, error, verdict);
    }
}
