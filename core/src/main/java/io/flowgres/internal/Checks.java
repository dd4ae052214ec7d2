package io.flowgres.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument and state checks for the builders of every package, with messages that show the bad
 * value. Internal: not part of the API and free to change.
 */
public final class Checks {

    private Checks() {
    }

    /**
     * Fails with an {@link IllegalArgumentException} when a single value is bad.
     *
     * @param ok whether the value is acceptable
     * @param template the message, {@link String#format} style, naming the value and showing it
     * @param values the template's arguments
     */
    public static void argument(boolean ok, String template, Object... values) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(template, values));
        }
    }

    /**
     * Fails with an {@link IllegalStateException} when settings conflict with each other.
     *
     * @param ok whether the combination is acceptable
     * @param template the message, {@link String#format} style
     * @param values the template's arguments
     */
    public static void state(boolean ok, String template, Object... values) {
        if (!ok) {
            throw new IllegalStateException(String.format(template, values));
        }
    }

    /**
     * Requires a non-null value.
     *
     * @param value the value
     * @param name its name, for the message
     * @param <T> its type
     * @return the value
     */
    public static <T> T notNull(T value, String name) {
        return Objects.requireNonNull(value, () -> name + " must not be null");
    }

    /**
     * Requires a duration that is zero or positive.
     *
     * @param value the duration
     * @param name its name, for the message
     * @return the duration
     */
    public static Duration notNegative(Duration value, String name) {
        notNull(value, name);
        argument(!value.isNegative(), "%s must not be negative, was %s", name, value);
        return value;
    }

    /**
     * Requires a duration that is strictly positive.
     *
     * @param value the duration
     * @param name its name, for the message
     * @return the duration
     */
    public static Duration positive(Duration value, String name) {
        notNull(value, name);
        argument(!value.isNegative() && !value.isZero(), "%s must be positive, was %s", name, value);
        return value;
    }
}
