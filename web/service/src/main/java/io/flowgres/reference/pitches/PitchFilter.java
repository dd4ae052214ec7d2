package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.flowgres.web.paging.KeysetBrowser;
import org.jspecify.annotations.Nullable;

/**
 * The browse filters, every one optional; {@link #where(List)} turns them into SQL conditions whose
 * values are bound, never concatenated.
 *
 * @param status only this status
 * @param genre only this genre
 * @param format only this format
 * @param stage only this production stage
 * @param owner only this owner's pitches
 * @param createdAfter only pitches created at or after this instant
 * @param createdBefore only pitches created before this instant
 * @param text only pitches whose title or logline contains this text (case-insensitive)
 */
record PitchFilter(@Nullable PitchStatus status, @Nullable Genre genre, @Nullable Format format,
        @Nullable ProductionStage stage, @Nullable Long owner, @Nullable OffsetDateTime createdAfter,
        @Nullable OffsetDateTime createdBefore, @Nullable String text) implements KeysetBrowser.Filter {

    /** Longest text search accepted. */
    static final int MAX_TEXT = 100;

    /** No filter at all. */
    static PitchFilter none() {
        return new PitchFilter(null, null, null, null, null, null, null, null);
    }

    /**
     * The conditions of this filter; their values are appended to {@code values} and referenced as
     * {@code $n} by position.
     *
     * @param values the statement's bind values so far, appended to
     * @return the conditions, to be joined with AND
     */
    @Override
    public List<String> where(List<Object> values) {
        List<String> conditions = new ArrayList<>();
        if (status != null) {
            conditions.add(bind("status = $", status.name().toLowerCase(Locale.ROOT), values));
        }
        if (genre != null) {
            conditions.add(bind("genre = $", genre.name().toLowerCase(Locale.ROOT), values));
        }
        if (format != null) {
            conditions.add(bind("format = $", format.name().toLowerCase(Locale.ROOT), values));
        }
        if (stage != null) {
            conditions.add(bind("production_stage = $", stage.name().toLowerCase(Locale.ROOT), values));
        }
        if (owner != null) {
            conditions.add(bind("owner_id = $", owner, values));
        }
        if (createdAfter != null) {
            conditions.add(bind("created_at >= $", createdAfter, values));
        }
        if (createdBefore != null) {
            conditions.add(bind("created_at < $", createdBefore, values));
        }
        if (text != null) {
            values.add("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            int n = values.size();
            conditions.add("(title ILIKE $" + n + " OR logline ILIKE $" + n + ")");
        }
        return conditions;
    }

    private static String bind(String condition, Object value, List<Object> values) {
        values.add(value);
        return condition + values.size();
    }
}
