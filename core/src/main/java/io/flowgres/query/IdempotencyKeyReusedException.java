package io.flowgres.query;

import org.jspecify.annotations.Nullable;

/**
 * An idempotency key came back with a different request than the one it was first used for: the
 * stored response belongs to another request, so neither replaying it nor writing is right. An HTTP
 * service answers 422, as the IETF idempotency-key draft says.
 */
public final class IdempotencyKeyReusedException extends FlowgresException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message which key, and that its request differs
     * @param queryName the query, if known
     */
    public IdempotencyKeyReusedException(String message, @Nullable String queryName) {
        super(message, queryName, null, null, null);
    }
}
