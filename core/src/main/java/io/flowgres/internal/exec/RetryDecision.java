package io.flowgres.internal.exec;

import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.SqlStates;
import io.flowgres.query.FlowgresException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;

/**
 * What to do after a failed attempt: a pure function of the operation's kind, the attempt's facts
 * and the error, tested as a table. The retry budget is not consulted here: it is spent only when
 * this says {@link Verdict#RETRY} and a retry is actually scheduled.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>A write sent to the server (not idempotent) or a transaction whose {@code COMMIT} was sent
 *       that failed without a definite answer from the server (connection lost, server shut down,
 *       timed out) may have been applied: {@link Verdict#OUTCOME_UNKNOWN}, never a retry. Work that
 *       committed and then failed (its consistency token or results lost) is the same.</li>
 *   <li>Rows already emitted, no attempts left, no time left, or an error already decided: fail.</li>
 *   <li>Nothing reached the server (no connection, breaker open, node at its concurrency limit, a
 *       replica checked for the caller's token had not replayed it): retry elsewhere.</li>
 *   <li>A read: retry on every transient error.</li>
 *   <li>A transaction: re-run whole when PostgreSQL rolled it back ({@code 40001}, {@code 40P01}),
 *       or when the connection failed or timed out before {@code COMMIT} was sent (the server rolls
 *       such a transaction back). The transaction's function must therefore have no side effects
 *       outside the database.</li>
 *   <li>A write sent to the server: retried only when the query is idempotent.</li>
 * </ol>
 */
final class RetryDecision {

    /** The verdict on one failed attempt. */
    enum Verdict {
        /** Try again, on a node chosen afresh. */
        RETRY,
        /** Give up with this error. */
        FAIL,
        /** Give up: the write may or may not have been applied. */
        OUTCOME_UNKNOWN
    }

    private RetryDecision() {
    }

    /**
     * Decides.
     *
     * @param kind the kind of operation
     * @param idempotent whether the query may run twice
     * @param attempt the failed attempt's facts
     * @param error what it failed with
     * @param attemptsLeft whether the retry policy allows another attempt
     * @param timeLeft whether the deadline leaves time for one
     * @param lockNotAvailableIsTransient whether {@code 55P03} counts as transient
     * @return the verdict
     */
    static Verdict decide(OperationKind kind, boolean idempotent, Attempt attempt, Throwable error,
            boolean attemptsLeft, boolean timeLeft, boolean lockNotAvailableIsTransient) {
        if (mayHaveApplied(kind, idempotent, attempt.progress(), error)) {
            return Verdict.OUTCOME_UNKNOWN;
        }
        if (attempt.emitted() || !attemptsLeft || !timeLeft || error instanceof FlowgresException
                || error instanceof NoNodeException) {
            return Verdict.FAIL;
        }
        if (attempt.progress() == Progress.NOT_SENT) {
            boolean neverSent = error instanceof NodeAcquireException || error instanceof CallNotPermittedException
                    || error instanceof NodeOverloadedException || error instanceof ReplicaBehindException;
            return neverSent || SqlStates.isTransient(error, lockNotAvailableIsTransient) ? Verdict.RETRY : Verdict.FAIL;
        }
        boolean retry = switch (kind) {
            case READ -> SqlStates.isTransient(error, lockNotAvailableIsTransient);
            case TRANSACTION -> SqlStates.isTransactionRollback(error)
                    || (lockNotAvailableIsTransient && SqlStates.LOCK_NOT_AVAILABLE.equals(SqlStates.sqlState(error)))
                    || (attempt.progress() == Progress.SENT
                            && (SqlStates.isConnectionFailure(error) || SqlStates.isTimeout(error)
                                    || SqlStates.isInfrastructureFailure(error)));
            case WRITE -> idempotent && SqlStates.isTransient(error, lockNotAvailableIsTransient);
        };
        return retry ? Verdict.RETRY : Verdict.FAIL;
    }

    /**
     * Whether a failed write may have been applied: it reached the server (or its {@code COMMIT}
     * did, or it committed) and the server gave no definite answer. A definite answer is an error
     * with a SQLSTATE of the statement itself (a constraint, a conflict, a cancel), not one of a
     * connection failing or a server shutting down, which can come after the commit.
     */
    static boolean mayHaveApplied(OperationKind kind, boolean idempotent, Progress progress, Throwable error) {
        if (progress == Progress.COMMITTED) {
            return kind != OperationKind.READ;
        }
        boolean definiteAnswer = SqlStates.sqlState(error) != null && !SqlStates.isConnectionFailure(error);
        return switch (kind) {
            case READ -> false;
            case WRITE -> !idempotent && progress != Progress.NOT_SENT && !definiteAnswer;
            case TRANSACTION -> progress == Progress.COMMIT_SENT && !definiteAnswer;
        };
    }
}
