package io.flowgres.web.paging;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import org.springframework.util.Assert;


/**
 * A named, whitelisted keyset sort whose keys end with a unique column (the id), so that every row
 * has exactly one place in the order and a page boundary never splits or repeats rows.
 *
 * <p>The next page after a row is {@code WHERE (k1, ..., id) < ($a, ..., $z)} for descending keys
 * (or {@code >} ascending): a row-value comparison PostgreSQL serves from a matching composite index
 * at any depth, never an {@code OFFSET} that reads and throws away every earlier row. All keys share
 * one direction for that reason.
 *
 * @param name the sort's public name, e.g. {@code newest}
 * @param keys the key columns, the unique tie-breaker last
 */
public record Sort(String name, List<SortKey> keys) {

    /**
     * Creates a sort.
     *
     * @param name its public name
     * @param keys its keys, the unique tie-breaker last, all in one direction
     */
    public Sort {
        Assert.notNull(name, "name must not be null");
        Assert.isTrue(name.matches("[a-z][a-z0-9-]{0,31}"),
                () -> String.format("sort name must be lower-case, was '%s'", name));
        keys = List.copyOf(keys);
        Assert.isTrue(!keys.isEmpty(),
                () -> String.format("sort %s needs at least one key", name));
        boolean descending = keys.get(0).descending();
        Assert.isTrue(keys.stream().allMatch(key -> key.descending() == descending),
                () -> String.format("sort %s keys must share one direction", name));
    }

    /** The {@code ORDER BY} clause. */
    public String orderBy() {
        StringJoiner order = new StringJoiner(", ", "ORDER BY ", "");
        for (SortKey key : keys) {
            order.add(key.column() + (key.descending() ? " DESC" : " ASC"));
        }
        return order.toString();
    }

    /**
     * The condition that selects the rows after a cursor position, with its parameters numbered from
     * {@code firstParameter}.
     *
     * @param firstParameter the number of the first placeholder ({@code $n})
     * @return e.g. {@code (created_at, id) < ($3, $4)}
     */
    public String after(int firstParameter) {
        StringJoiner columns = new StringJoiner(", ", "(", ")");
        StringJoiner values = new StringJoiner(", ", "(", ")");
        for (int i = 0; i < keys.size(); i++) {
            columns.add(keys.get(i).column());
            values.add("$" + (firstParameter + i));
        }
        return columns + (keys.get(0).descending() ? " < " : " > ") + values;
    }

    /**
     * Reads a cursor's key values back into bindable values.
     *
     * @param codec the cursor codec
     * @param cursor the client's cursor
     * @return the values, in key order
     * @throws InvalidCursorException when the cursor is bad or belongs to another sort
     */
    public List<Object> decode(CursorCodec codec, String cursor) {
        List<String> texts = codec.decode(cursor, name, keys.size());
        List<Object> values = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            values.add(keys.get(i).type().parse(texts.get(i)));
        }
        return values;
    }

    /**
     * Writes the cursor of the page that follows a row.
     *
     * @param codec the cursor codec
     * @param lastRowKeys the last row's key values, in key order
     * @return the cursor
     */
    public String encode(CursorCodec codec, List<?> lastRowKeys) {
        Assert.isTrue(lastRowKeys.size() == keys.size(),
                () -> String.format("sort %s needs %s key values, was %s", name, keys.size(),
                lastRowKeys.size()));
        List<String> texts = new ArrayList<>(lastRowKeys.size());
        for (Object value : lastRowKeys) {
            texts.add(String.valueOf(value));
        }
        return codec.encode(name, texts);
    }
}
