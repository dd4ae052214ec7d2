package io.flowgres.web.paging;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

import org.springframework.util.Assert;


/**
 * One column of a keyset sort: its SQL name, its direction, and how its values travel inside a
 * cursor (as text, parsed back into the type PostgreSQL binds).
 *
 * @param column the column's SQL name (a fixed identifier, never user input)
 * @param descending whether the column sorts descending
 * @param type how a cursor value is read back
 */
public record SortKey(String column, boolean descending, Type type) {

    /** How a key's value is written into a cursor and read back. */
    public enum Type {
        /** {@code bigint}. */
        LONG(Long::valueOf, Long.class),
        /** {@code text}. */
        TEXT(text -> text, String.class),
        /** {@code timestamptz}, with its full precision. */
        TIMESTAMP(OffsetDateTime::parse, OffsetDateTime.class);

        private final Function<String, Object> parser;
        private final Class<?> javaType;

        Type(Function<String, Object> parser, Class<?> javaType) {
            this.parser = parser;
            this.javaType = javaType;
        }

        /** The Java type a row's value of this key is read as. */
        Class<?> javaType() {
            return javaType;
        }

        Object parse(String text) {
            try {
                return parser.apply(text);
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new InvalidCursorException("cursor is malformed");
            }
        }
    }

    /**
     * Creates a key.
     *
     * @param column a plain lower-case SQL identifier
     * @param descending the direction
     * @param type the value type
     */
    public SortKey {
        Assert.notNull(column, "column must not be null");
        Assert.isTrue(column.matches("[a-z_][a-z0-9_]{0,62}"),
                () -> String.format("column must be a plain identifier, was '%s'",
                column));
        Assert.notNull(type, "type must not be null");
    }

    /**
     * An ascending key.
     *
     * @param column the column
     * @param type its type
     * @return the key
     */
    public static SortKey asc(String column, Type type) {
        return new SortKey(column, false, type);
    }

    /**
     * A descending key.
     *
     * @param column the column
     * @param type its type
     * @return the key
     */
    public static SortKey desc(String column, Type type) {
        return new SortKey(column, true, type);
    }
}
