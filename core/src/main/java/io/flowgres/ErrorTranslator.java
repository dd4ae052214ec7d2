package io.flowgres;

import java.time.Duration;

import io.flowgres.node.NodeAcquireException;
import io.flowgres.resilience.SqlStates;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;

/**
 * Translates whatever the pipeline failed with into the {@link FlowgresException} hierarchy, once,
 * after retries are over. Messages carry the query, node and the server's message, never a URL or
 * a password.
 */
final class ErrorTranslator {

    private static final Duration RECONNECT_HINT = Duration.ofSeconds(1);

    private ErrorTranslator() {
    }

    static FlowgresException translate(Throwable error, String query, @Nullable String node,
            @Nullable Duration deadline, Duration breakerOpenDuration) {
        if (error instanceof FlowgresException flowgres) {
            return flowgres;
        }
        String where = query + (node == null ? "" : " on " + node);
        if (error instanceof CallNotPermittedException) {
            return new UnavailableException(where + ": circuit breaker open", query, node, null, breakerOpenDuration,
                    error);
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
                return new QueryTimeoutException(message, query, node, state, QueryTimeoutException.Phase.EXECUTE, null,
                        error);
            }
            if (state.startsWith("23") || SqlStates.isTransactionRollback(error)) {
                return new ConflictException(message, query, node, state, error);
            }
            if (state.startsWith("22")) {
                return new BadRequestException(message, null, query, state, error);
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
