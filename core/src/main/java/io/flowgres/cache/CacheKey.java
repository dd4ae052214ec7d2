package io.flowgres.cache;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.TemporalAccessor;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import io.flowgres.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The canonical key of one cached result: the query's name and its parameters, sorted by name and
 * compared with their types, so that {@code {a:1, b:2}} and {@code {b:2, a:1}} are one key and
 * {@code 1} and {@code "1"} are two.
 *
 * <p>Canonical forms: every integral number ({@code byte}, {@code short}, {@code int},
 * {@code long}) becomes a {@code Long}, because PostgreSQL compares them as one value; a
 * {@code BigDecimal} loses its trailing zeros ({@code 1.0} and {@code 1.00} are one key). Values
 * must be immutable scalars (strings, booleans, characters, numbers, enums, UUIDs, {@code java.time}
 * values) or {@code null}; anything else is rejected, since a mutable value could change under a
 * key already in the cache.
 */
public final class CacheKey {

    private final String query;
    private final SortedMap<String, @Nullable Object> parameters;
    private final int hash;

    private CacheKey(String query, SortedMap<String, @Nullable Object> parameters) {
        this.query = query;
        this.parameters = Collections.unmodifiableSortedMap(parameters);
        this.hash = query.hashCode() * 31 + parameters.hashCode();
    }

    /**
     * The key of a query without parameters.
     *
     * @param query the query's name
     * @return the key
     * @throws IllegalArgumentException when the name is blank
     */
    public static CacheKey of(String query) {
        return of(query, Map.of());
    }

    /**
     * The key of a query with one parameter.
     *
     * @param query the query's name
     * @param name the parameter's name
     * @param value the parameter's value, in a supported type, or {@code null}
     * @return the key
     * @throws IllegalArgumentException when a name is blank or the value's type is not supported
     */
    public static CacheKey of(String query, String name, @Nullable Object value) {
        SortedMap<String, @Nullable Object> parameters = new TreeMap<>();
        parameters.put(checkName(name), canonical(name, value));
        return new CacheKey(checkQuery(query), parameters);
    }

    /**
     * The key of a query with any number of parameters; their order in the map does not matter.
     *
     * @param query the query's name
     * @param parameters the parameters by name; values in supported types or {@code null}
     * @return the key
     * @throws IllegalArgumentException when a name is blank or a value's type is not supported
     */
    public static CacheKey of(String query, Map<String, ? extends @Nullable Object> parameters) {
        Checks.notNull(parameters, "parameters");
        SortedMap<String, @Nullable Object> sorted = new TreeMap<>();
        for (Map.Entry<String, ? extends @Nullable Object> parameter : parameters.entrySet()) {
            sorted.put(checkName(parameter.getKey()), canonical(parameter.getKey(), parameter.getValue()));
        }
        return new CacheKey(checkQuery(query), sorted);
    }

    /** The query's name; it selects the {@link CachePolicy}. */
    public String query() {
        return query;
    }

    /** The canonical parameters, sorted by name; values may be {@code null}. */
    public SortedMap<String, @Nullable Object> parameters() {
        return parameters;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CacheKey that && hash == that.hash && query.equals(that.query)
                && parameters.equals(that.parameters);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The key as {@code pitches.byId{id=42}}; strings are quoted so that {@code 1} and {@code "1"} differ. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(query).append('{');
        String separator = "";
        for (Map.Entry<String, @Nullable Object> parameter : parameters.entrySet()) {
            Object value = parameter.getValue();
            text.append(separator).append(parameter.getKey()).append('=')
                    .append(value instanceof String ? "\"" + value + "\"" : String.valueOf(value));
            separator = ", ";
        }
        return text.append('}').toString();
    }

    private static String checkQuery(String query) {
        Checks.notNull(query, "query");
        Checks.argument(!query.isBlank(), "query must not be blank, was '%s'", query);
        return query;
    }

    private static String checkName(String name) {
        Checks.notNull(name, "parameter name");
        Checks.argument(!name.isBlank(), "parameter name must not be blank, was '%s'", name);
        return name;
    }

    private static @Nullable Object canonical(String name, @Nullable Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.signum() == 0 ? BigDecimal.ZERO : decimal.stripTrailingZeros();
        }
        boolean immutable = value instanceof String || value instanceof Boolean || value instanceof Character
                || value instanceof Double || value instanceof Float || value instanceof BigInteger
                || value instanceof Enum<?> || value instanceof UUID
                || value instanceof TemporalAccessor && value.getClass().getPackageName().startsWith("java.time");
        Checks.argument(immutable, "parameter '%s' must be a string, boolean, character, number, enum, UUID, "
                + "java.time value or null, was %s", name, value.getClass().getName());
        return value;
    }
}
