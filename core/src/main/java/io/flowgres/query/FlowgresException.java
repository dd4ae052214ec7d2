package io.flowgres.query;

import org.jspecify.annotations.Nullable;

/**
 * Base of every error a Flowgres operation signals. Errors are translated once, at the edge of
 * the query pipeline, into this small hierarchy so that callers (and the web layer's problem
 * mapper) can decide by type instead of parsing driver messages.
 *
 * <p>Messages name the query and node but never contain passwords or connection URLs.
 */
public abstract class FlowgresException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable String queryName;
    private final @Nullable String nodeName;
    private final @Nullable String sqlState;

    /**
     * Creates an error.
     *
     * @param message what went wrong, safe to show to an operator
     * @param queryName the name of the query that failed, if known
     * @param nodeName the node the failing attempt ran on, if known
     * @param sqlState the PostgreSQL SQLSTATE, if the server reported one
     * @param cause the underlying error, if any
     */
    protected FlowgresException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, cause);
        this.queryName = queryName;
        this.nodeName = nodeName;
        this.sqlState = sqlState;
    }

    /** The name of the query that failed, or {@code null} when the error is not tied to one. */
    public @Nullable String queryName() {
        return queryName;
    }

    /** The name of the node the last attempt ran on, or {@code null} when no node was chosen. */
    public @Nullable String nodeName() {
        return nodeName;
    }

    /** The five-character SQLSTATE PostgreSQL reported, or {@code null} when there was none. */
    public @Nullable String sqlState() {
        return sqlState;
    }
}
