package io.flowgres.web.paging;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One page of a keyset-paged result.
 *
 * @param items the rows of this page, in sort order
 * @param nextCursor the cursor of the next page, or {@code null} when this is the last page
 * @param <T> the row type
 */
public record Page<T>(List<T> items, @Nullable String nextCursor) {

    /**
     * Creates a page.
     *
     * @param items the rows, copied
     * @param nextCursor the next page's cursor, or {@code null}
     */
    public Page {
        items = List.copyOf(items);
    }
}
