package io.flowgres.query;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * No node could take the operation: the primary's circuit breaker is open, no eligible replica
 * exists for a {@code REPLICA_ONLY} read, or the node refused or lost the connection before the
 * work reached it. The web layer maps it to {@code 503} with a {@code Retry-After} header.
 */
public final class UnavailableException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    /**
     * Creates the error.
     *
     * @param message what is unavailable and why
     * @param queryName the query, if known
     * @param nodeName the node, if one was chosen
     * @param sqlState the SQLSTATE, if the server reported one
     * @param retryAfter how long the caller should wait before trying again (never negative)
     * @param cause the underlying error, if any
     */
    public UnavailableException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable String sqlState, Duration retryAfter, @Nullable Throwable cause) {
        super(message, queryName, nodeName, sqlState, cause);
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    /** A hint for how long to wait before retrying, for example the rest of a breaker's open time. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
