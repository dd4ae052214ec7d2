package io.flowgres.load.bench.plain;

import java.time.OffsetDateTime;

import io.r2dbc.spi.Readable;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * One pitch as the plain service answers it: the same components, in the same order, as the
 * reference service's {@code GET /api/pitches/{id}} JSON, so both answers are byte for byte alike
 * (the benchmark checks that before it measures); mapped by Spring Data for {@link PlainPitchRepository}.
 *
 * @param id the pitch's id
 * @param ownerId the owning user's id
 * @param title the title
 * @param logline the one-sentence story
 * @param genre the genre
 * @param format the format
 * @param productionStage the production stage
 * @param status the status
 * @param viewCount how often it was viewed
 * @param createdAt when it was created
 */
@Table("pitch")
public record PlainPitch(@Id long id, long ownerId, String title, String logline, String genre, String format,
        String productionStage, String status, long viewCount, OffsetDateTime createdAt) {

    /** The selected columns, in the order of the components. */
    public static final String COLUMNS = "id, owner_id, title, logline, genre, format, production_stage, status, "
            + "view_count, created_at";

    /** The point read by primary key with one bind marker, {@code $1}, as the reference service sends it. */
    public static final String BY_ID_SQL = "SELECT " + COLUMNS + " FROM pitch WHERE id = $1";

    /**
     * Maps a row of {@link #COLUMNS}, by column name.
     *
     * @param row the row
     * @return the pitch
     */
    public static PlainPitch of(Readable row) {
        return new PlainPitch(row.get("id", Long.class), row.get("owner_id", Long.class), row.get("title", String.class),
                row.get("logline", String.class), row.get("genre", String.class), row.get("format", String.class),
                row.get("production_stage", String.class), row.get("status", String.class),
                row.get("view_count", Long.class), row.get("created_at", OffsetDateTime.class));
    }
}
