package io.flowgres.web.problem;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The caller's input cannot be used: a malformed or tampered cursor, an out-of-range page size,
 * or data PostgreSQL rejected as invalid (SQLSTATE class {@code 22}). Maps to {@code 400}.
 */
public final class BadRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable String parameter;

    /**
     * Creates the error.
     *
     * @param message what is wrong with the input, without echoing secrets
     * @param parameter the name of the offending parameter, if there is one
     * @param cause the underlying error, if any
     */
    public BadRequestException(String message, @Nullable String parameter, @Nullable Throwable cause) {
        super(message, cause);
        this.parameter = parameter;
    }

    /**
     * Creates an error about one named parameter.
     *
     * @param parameter the offending parameter
     * @param message what is wrong with it
     * @return the error
     */
    public static BadRequestException forParameter(String parameter, String message) {
        return new BadRequestException(message, parameter, null);
    }

    /**
     * Echoes at most a short prefix of bad input in a message, so a huge value cannot bloat the
     * response, with control characters and surrogates written as {@code U+XXXX} so none reaches a
     * response or a log.
     *
     * @param value the client's value
     * @return at most 40 characters of it (and an ellipsis), safe to show
     */
    public static String echo(String value) {
        String prefix = value.length() <= 40 ? value : value.substring(0, 40) + "…";
        StringBuilder shown = new StringBuilder(prefix.length());
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                shown.append(String.format(Locale.ROOT, "U+%04X", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }

    /** The name of the offending parameter, or {@code null}. */
    public @Nullable String parameter() {
        return parameter;
    }
}
