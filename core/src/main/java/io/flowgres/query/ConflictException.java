package io.flowgres.query;

import org.jspecify.annotations.Nullable;

/**
 * The operation conflicts with the data or with concurrent work: an integrity constraint
 * ({@code 23xxx}), or a serialization failure or deadlock ({@code 40001}, {@code 40P01}) that
 * persisted through every retry. Maps to {@code 409}.
 */
public final class ConflictException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what conflicted
     * @param queryName the query, if known
     * @param nodeName the node, if known
     * @param sqlState the SQLSTATE the server reported
     * @param cause the driver's error
     */
    public ConflictException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, queryName, nodeName, sqlState, cause);
    }
}
