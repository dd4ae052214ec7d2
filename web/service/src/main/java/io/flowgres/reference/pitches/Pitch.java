package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;

import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A film pitch, as the API shows it and as Spring Data maps a row of the {@code pitch} table.
 *
 * @param id the pitch's id
 * @param ownerId the owning user's id
 * @param title the title
 * @param logline the one-sentence story
 * @param genre the genre, lower case
 * @param format the format, lower case
 * @param productionStage the production stage, lower case
 * @param status the status, lower case
 * @param viewCount how often it was viewed
 * @param createdAt when it was created
 */
@Table("pitch")
public record Pitch(@Id long id, long ownerId, String title, String logline, String genre, String format,
        String productionStage, String status, long viewCount, OffsetDateTime createdAt) {
}
