package io.flowgres.internal.exec;

import java.time.Duration;

import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.SqlStates;
import io.flowgres.query.ConflictException;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.QueryFailedException;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;

/**
 * Translates whatever an operation finally failed with into the {@link FlowgresException}
 * hierarchy, once, after the retry decision. Messages carry the query, node and the server's
 * message, never a URL or a password. Pure: no clock, no state.
 */
final class ErrorTranslator {

    /** How soon a lost connection is worth trying again. */
    static final Duration RECONNECT_HINT = Duration.ofSeconds(1);
    /** How soon a node at its concurrency limit is worth trying again. */
    static final Duration OVERLOAD_HINT = Duration.ofSeconds(1);

    private ErrorTranslator() {
    }

    /**
     * Translates.
     *
     * @param error the last attempt's error
     * @param query the query's name
     * @param attempt the last attempt's facts
     * @param verdict the retry decision that ended the operation
     * @param deadline the operation's deadline, for timeout messages
     * @param breakerOpenDuration the breakers' open time, for retry-after hints
     * @return the public exception
     */
    static FlowgresException translate(Throwable error, String query, Attempt attempt, RetryDecision.Verdict verdict,
            Duration deadline, Duration breakerOpenDuration) {
        String node = attempt.node();
        String where = query + (node == null ? "" : " on " + node);
        if (verdict == RetryDecision.Verdict.OUTCOME_UNKNOWN) {
            String what = switch (attempt.progress()) {
                case COMMITTED -> "it committed, but its answer was lost (" + describe(error) + ")";
                case COMMIT_SENT -> "no answer to COMMIT (" + describe(error) + "); it may or may not have committed";
                default -> "no answer after the write was sent (" + describe(error)
                        + "); it may or may not have been applied";
            };
            return new OutcomeUnknownException(where + ": " + what, query, node, error);
        }
        if (error instanceof FlowgresException flowgres) {
            return flowgres;
        }
        if (error instanceof NoNodeException noNode) {
            return new UnavailableException(query + ": " + noNode.none().reason(), query, noNode.none().node(), null,
                    noNode.none().retryAfter(), null);
        }
        if (error instanceof NodeOverloadedException overloaded) {
            return new UnavailableException(where + ": node at its concurrency limit", query, overloaded.nodeName(),
                    null, OVERLOAD_HINT, null);
        }
        if (error instanceof ReplicaBehindException behind) {
            return new UnavailableException(query + ": no node could serve this read of one's own write now ("
                    + behind.getMessage() + ")", query, behind.nodeName(), null, RECONNECT_HINT, null);
        }
        if (error instanceof CallNotPermittedException) {
            return new UnavailableException(where + ": circuit breaker open", query, node, null, breakerOpenDuration,
                    error);
        }
        if (error instanceof NodeAcquireException acquire && acquire.queueFull()) {
            // Work past the concurrency limit may wait in the pool's queue (see QueryExecutor); a full
            // queue is the same overload, refused at once.
            return new UnavailableException(where + ": node at its concurrency limit (its pool's queue is full)",
                    query, acquire.nodeName(), null, OVERLOAD_HINT, error);
        }
        if (error instanceof NodeAcquireException acquire) {
            Throwable cause = acquire.getCause();
            if (cause != null && SqlStates.isTimeout(cause)) {
                return new QueryTimeoutException(where + ": no pooled connection became free in time", query,
                        acquire.nodeName(), null, QueryTimeoutException.Phase.ACQUIRE, null, error);
            }
            String state = cause == null ? null : SqlStates.sqlState(cause);
            return new UnavailableException(where + ": cannot obtain a connection (" + describe(cause) + ")", query,
                    acquire.nodeName(), state, RECONNECT_HINT, error);
        }
        String state = SqlStates.sqlState(error);
        if (state == null && SqlStates.isTimeout(error)) {
            return new QueryTimeoutException(where + ": deadline of " + deadline + " exceeded", query, node, null,
                    QueryTimeoutException.Phase.EXECUTE, deadline, error);
        }
        if (state != null) {
            String message = where + ": " + serverMessage(error) + " [" + state + "]";
            if (SqlStates.QUERY_CANCELED.equals(state)) {
                return new QueryTimeoutException(message, query, node, state, QueryTimeoutException.Phase.EXECUTE,
                        null, error);
            }
            if (state.startsWith("23") || SqlStates.isTransactionRollback(error)) {
                return new ConflictException(message, query, node, state, error);
            }
            if (SqlStates.isInfrastructureFailure(error)) {
                return new UnavailableException(message, query, node, state, RECONNECT_HINT, error);
            }
            return new QueryFailedException(message, query, node, state, error);
        }
        if (SqlStates.isConnectionFailure(error)) {
            return new UnavailableException(where + ": connection lost (" + describe(error) + ")", query, node, null,
                    RECONNECT_HINT, error);
        }
        return new QueryFailedException(where + ": " + describe(error), query, node, null, error);
    }

    private static String serverMessage(Throwable error) {
        for (Throwable t : SqlStates.causes(error)) {
            if (t instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null) {
                return String.valueOf(r2dbc.getMessage());
            }
        }
        return describe(error);
    }

    private static String describe(@Nullable Throwable error) {
        if (error == null) {
            return "unknown cause";
        }
        // Driver messages about connecting may echo the address; the type alone is safe to show.
        return error.getClass().getSimpleName();
    }
}
