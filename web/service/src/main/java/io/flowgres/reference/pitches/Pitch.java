package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;

/**
 * A film pitch, as the API shows it.
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
public record Pitch(long id, long ownerId, String title, String logline, String genre, String format,
        String productionStage, String status, long viewCount, OffsetDateTime createdAt) {
}
