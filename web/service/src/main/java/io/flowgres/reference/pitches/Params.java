package io.flowgres.reference.pitches;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

import io.flowgres.web.problem.BadRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Parses request input into typed values, failing with a 400 that names the parameter or field.
 *
 * <p>Every text that arrives (query parameters, body fields) passes {@link #printable}: it must not
 * hold a control character, that is a code point of Unicode category Cc ({@code U+0000}-{@code U+001F}
 * and {@code U+007F}-{@code U+009F}), tab and line breaks included, nor an unpaired surrogate (which
 * no database text can store). Titles and loglines are single lines shown in lists, so a tab or a
 * newline in them is a client's mistake rather than content; refusing them keeps every stored value
 * printable on one line, in logs and in exports alike.
 */
final class Params {

    /** The earliest year a date parameter may name; PostgreSQL's range is far wider. */
    static final int MIN_YEAR = 1;
    /** The latest year a date parameter may name. */
    static final int MAX_YEAR = 9999;

    private Params() {
    }

    /**
     * A query parameter, checked with {@link #printable}.
     *
     * @param request the request
     * @param name the parameter
     * @return its first value, if sent
     */
    static Optional<String> query(ServerRequest request, String name) {
        Optional<String> value = request.queryParam(name);
        value.ifPresent(text -> printable(name, text));
        return value;
    }

    /**
     * Checks that a text holds no control character and no unpaired surrogate.
     *
     * @param name the parameter or field, for the message
     * @param value the text
     * @return the text
     * @throws BadRequestException naming {@code name} and the first offending code point by index
     */
    static String printable(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw BadRequestException.forParameter(name, name + " must not contain control characters "
                        + "(U+0000-U+001F, U+007F-U+009F), found " + codePoint(c) + " at index " + i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw BadRequestException.forParameter(name, name + " must be valid Unicode text, found the "
                        + "unpaired surrogate " + codePoint(c) + " at index " + i);
            }
        }
        return value;
    }

    static <E extends Enum<E>> @Nullable E optionalEnum(ServerRequest request, String name, Class<E> type) {
        Optional<String> value = query(request, name);
        return value.isEmpty() || value.get().isEmpty() ? null : parseEnum(name, value.get(), type);
    }

    static <E extends Enum<E>> E parseEnum(String name, @Nullable String value, Class<E> type) {
        if (value != null) {
            printable(name, value);
        }
        if (value == null || value.isBlank()) {
            throw BadRequestException.forParameter(name, name + " is required");
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw BadRequestException.forParameter(name, name + " must be one of " + allowed + ", was '"
                    + BadRequestException.echo(value) + "'");
        }
    }

    static @Nullable OffsetDateTime optionalInstant(ServerRequest request, String name) {
        Optional<String> value = query(request, name);
        if (value.isEmpty() || value.get().isEmpty()) {
            return null;
        }
        OffsetDateTime instant = parseInstant(value.get().trim());
        if (instant == null || instant.getYear() < MIN_YEAR || instant.getYear() > MAX_YEAR) {
            throw BadRequestException.forParameter(name, name + " must be an ISO-8601 date or date-time from year "
                    + MIN_YEAR + " to " + MAX_YEAR + " such as 2026-01-31 or 2026-01-31T12:00:00Z, was '"
                    + BadRequestException.echo(value.get()) + "'");
        }
        return instant;
    }

    private static @Nullable OffsetDateTime parseInstant(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text).atStartOfDay().atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    static int intInRange(ServerRequest request, String name, int defaultValue, int min, int max) {
        Optional<String> value = query(request, name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.get().trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the same message as an out-of-range value
        }
        throw BadRequestException.forParameter(name, name + " must be an integer from " + min + " to " + max
                + ", was '" + BadRequestException.echo(value.get()) + "'");
    }

    static long positiveId(String name, String value) {
        try {
            long id = Long.parseLong(value);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw BadRequestException.forParameter(name, name + " must be a positive integer, was '" + BadRequestException.echo(value)
                + "'");
    }

    static String text(String name, @Nullable String value, int maxLength) {
        if (value != null) {
            printable(name, value);
        }
        if (value == null || value.isBlank()) {
            throw BadRequestException.forParameter(name, name + " is required");
        }
        if (value.length() > maxLength) {
            throw BadRequestException.forParameter(name, name + " must be at most " + maxLength
                    + " characters, was " + value.length());
        }
        return value.trim();
    }

    private static String codePoint(char c) {
        return String.format(Locale.ROOT, "U+%04X", (int) c);
    }
}
