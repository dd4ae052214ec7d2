package io.flowgres.web.problem;

import java.time.Duration;

/**
 * This instance is at one of its own limits (for example its number of concurrent exports) and
 * refuses more work of that kind at once, before touching the database. Mapped to {@code 503} with
 * a {@code Retry-After} header; the message is shown to the caller, so it must hold no secret.
 */
public final class OverloadedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    /**
     * Creates the error.
     *
     * @param message which limit was reached, safe to show to the caller
     * @param retryAfter how long the caller should wait before trying again
     */
    public OverloadedException(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** How long the caller should wait before trying again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
