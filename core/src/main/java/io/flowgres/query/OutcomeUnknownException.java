package io.flowgres.query;

import org.jspecify.annotations.Nullable;

/**
 * The connection was lost while a {@code COMMIT} (or a non-idempotent write) was in flight, so
 * Flowgres cannot know whether the change took effect. It is never retried automatically: the
 * caller must check (for example by a client-generated id) before trying again.
 */
public final class OutcomeUnknownException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what was in flight
     * @param queryName the query, if known
     * @param nodeName the node the commit was sent to
     * @param cause the connection failure
     */
    public OutcomeUnknownException(String message, @Nullable String queryName, @Nullable String nodeName,
            @Nullable Throwable cause) {
        super(message, queryName, nodeName, null, cause);
    }
}
