package io.flowgres.reference.pitches;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.flowgres.web.problem.BadRequestException;
import org.jspecify.annotations.Nullable;

/**
 * The JSON body of {@code PATCH /api/pitches/{id}}: only the fields present change; {@link #validate()}
 * turns it into column values or a 400 naming the first bad field, by the rules of
 * {@link PitchRequest} (no control characters in any text).
 *
 * @param title the new title
 * @param logline the new one-sentence story
 * @param genre the new genre
 * @param format the new format
 * @param productionStage the new production stage
 * @param status the new status
 */
public record PitchPatch(@Nullable String title, @Nullable String logline, @Nullable String genre,
        @Nullable String format, @Nullable String productionStage, @Nullable String status) {

    /**
     * Validates the present fields.
     *
     * @return the new values by column name, in a fixed order; never empty
     * @throws BadRequestException naming the first bad field, or {@code body} when no field is present
     */
    public Map<String, String> validate() {
        Map<String, String> columns = new LinkedHashMap<>();
        if (title != null) {
            columns.put("title", Params.text("title", title, 200));
        }
        if (logline != null) {
            columns.put("logline", Params.text("logline", logline, 1000));
        }
        if (genre != null) {
            columns.put("genre", lower(Params.parseEnum("genre", genre, Genre.class)));
        }
        if (format != null) {
            columns.put("format", lower(Params.parseEnum("format", format, Format.class)));
        }
        if (productionStage != null) {
            columns.put("production_stage",
                    lower(Params.parseEnum("productionStage", productionStage, ProductionStage.class)));
        }
        if (status != null) {
            columns.put("status", lower(Params.parseEnum("status", status, PitchStatus.class)));
        }
        if (columns.isEmpty()) {
            throw BadRequestException.forParameter("body", "at least one of title, logline, genre, format, "
                    + "productionStage, status is required");
        }
        return columns;
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
