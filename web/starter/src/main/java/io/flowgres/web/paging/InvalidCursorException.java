package io.flowgres.web.paging;

/**
 * A cursor cannot be used: malformed, tampered with, of another format version or of another sort.
 * The caller's input, never a server error: a web layer answers it with {@code 400} naming the
 * {@link CursorCodec#PARAMETER cursor} parameter.
 */
public final class InvalidCursorException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what is wrong with the cursor, without echoing it
     */
    public InvalidCursorException(String message) {
        super(message);
    }
}
