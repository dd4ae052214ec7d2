package io.flowgres.query;

import org.jspecify.annotations.Nullable;

/**
 * Any other failure of an operation: a programming error such as bad SQL ({@code 42xxx}), a
 * permission error, or an unexpected driver error. Never retried; maps to {@code 500}.
 */
public final class QueryFailedException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what failed
     * @param queryName the query, if known
     * @param nodeName the node, if known
     * @param sqlState the SQLSTATE, if any
     * @param cause the underlying error
     */
    public QueryFailedException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, queryName, nodeName, sqlState, cause);
    }
}
