package io.flowgres.reference.pitches;

/**
 * A validated request to create a pitch.
 *
 * @param ownerId the owning user's id
 * @param title the title, 1-200 characters
 * @param logline the one-sentence story, 1-1000 characters
 * @param genre the genre
 * @param format the format
 * @param productionStage the production stage
 * @param status the status
 */
public record PitchDraft(long ownerId, String title, String logline, Genre genre, Format format,
        ProductionStage productionStage, PitchStatus status) {
}
