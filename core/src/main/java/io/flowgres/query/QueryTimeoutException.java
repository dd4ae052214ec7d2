package io.flowgres.query;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * An operation ran out of time: no pooled connection could be had within the acquire timeout, or
 * the operation's deadline passed, or PostgreSQL cancelled the statement ({@code 57014}). The web
 * layer maps it to {@code 504}.
 */
public final class QueryTimeoutException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    /** Which bound was exceeded. */
    public enum Phase {
        /** Waiting for a pooled connection took longer than the pool's acquire timeout. */
        ACQUIRE,
        /** The operation itself exceeded its deadline or the server's statement timeout. */
        EXECUTE
    }

    private final Phase phase;
    private final @Nullable Duration limit;

    /**
     * Creates the error.
     *
     * @param message what timed out
     * @param queryName the query, if known
     * @param nodeName the node, if one was chosen
     * @param sqlState the SQLSTATE, if the server cancelled the statement
     * @param phase which bound was exceeded
     * @param limit the bound itself, when known
     * @param cause the underlying error, if any
     */
    public QueryTimeoutException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable String sqlState, Phase phase, @Nullable Duration limit, @Nullable Throwable cause) {
        super(message, queryName, nodeName, sqlState, cause);
        this.phase = phase;
        this.limit = limit;
    }

    /** Whether the time ran out waiting for a connection or while the work ran. */
    public Phase phase() {
        return phase;
    }

    /** The bound that was exceeded, or {@code null} when the server decided (statement timeout). */
    public @Nullable Duration limit() {
        return limit;
    }
}
