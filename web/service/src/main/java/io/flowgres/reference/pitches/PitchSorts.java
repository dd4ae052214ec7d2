package io.flowgres.reference.pitches;

import java.util.List;
import java.util.Map;

import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.paging.Sort;
import io.flowgres.web.paging.SortKey;
import org.jspecify.annotations.Nullable;

/**
 * The sorts the browse API offers, each served by an index (see {@code V2__browse_indexes.sql}) and
 * each ending with the unique id so that keyset pages never split or repeat rows.
 */
final class PitchSorts {

    /** Newest first: {@code (created_at, id)} descending. */
    static final Sort NEWEST = new Sort("newest", List.of(SortKey.desc("created_at", SortKey.Type.TIMESTAMP),
            SortKey.desc("id", SortKey.Type.LONG)));
    /** Most viewed first: {@code (view_count, id)} descending. */
    static final Sort MOST_VIEWED = new Sort("most-viewed", List.of(SortKey.desc("view_count", SortKey.Type.LONG),
            SortKey.desc("id", SortKey.Type.LONG)));
    /** By title: {@code (title, id)} ascending. */
    static final Sort TITLE = new Sort("title", List.of(SortKey.asc("title", SortKey.Type.TEXT),
            SortKey.asc("id", SortKey.Type.LONG)));

    private static final Map<String, Sort> BY_NAME = Map.of(NEWEST.name(), NEWEST, MOST_VIEWED.name(), MOST_VIEWED,
            TITLE.name(), TITLE);

    private PitchSorts() {
    }

    static Sort named(@Nullable String name) {
        if (name == null || name.isEmpty()) {
            return NEWEST;
        }
        Sort sort = BY_NAME.get(name);
        if (sort == null) {
            throw BadRequestException.forParameter("sort", "sort must be one of newest, most-viewed, title, was '"
                    + BadRequestException.echo(name) + "'");
        }
        return sort;
    }
}
