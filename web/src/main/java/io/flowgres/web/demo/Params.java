package io.flowgres.web.demo;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

import io.flowgres.query.BadRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Parses request parameters into typed values, failing with a 400 that names the parameter. */
final class Params {

    private Params() {
    }

    static <E extends Enum<E>> @Nullable E optionalEnum(ServerRequest request, String name, Class<E> type) {
        Optional<String> value = request.queryParam(name);
        return value.isEmpty() || value.get().isEmpty() ? null : parseEnum(name, value.get(), type);
    }

    static <E extends Enum<E>> E parseEnum(String name, @Nullable String value, Class<E> type) {
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
                    + truncate(value) + "'");
        }
    }

    static @Nullable OffsetDateTime optionalInstant(ServerRequest request, String name) {
        Optional<String> value = request.queryParam(name);
        if (value.isEmpty() || value.get().isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.get().trim());
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(value.get().trim()).atStartOfDay().atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notADate) {
                throw BadRequestException.forParameter(name, name + " must be an ISO-8601 date or date-time such as "
                        + "2026-01-31 or 2026-01-31T12:00:00Z, was '" + truncate(value.get()) + "'");
            }
        }
    }

    static int intInRange(ServerRequest request, String name, int defaultValue, int min, int max) {
        Optional<String> value = request.queryParam(name);
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
                + ", was '" + truncate(value.get()) + "'");
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
        throw BadRequestException.forParameter(name, name + " must be a positive integer, was '" + truncate(value)
                + "'");
    }

    static String text(String name, @Nullable String value, int maxLength) {
        if (value == null || value.isBlank()) {
            throw BadRequestException.forParameter(name, name + " is required");
        }
        if (value.length() > maxLength) {
            throw BadRequestException.forParameter(name, name + " must be at most " + maxLength
                    + " characters, was " + value.length());
        }
        return value.trim();
    }

    /** Echoes at most a short prefix of bad input, so a huge value cannot bloat the response. */
    static String truncate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
