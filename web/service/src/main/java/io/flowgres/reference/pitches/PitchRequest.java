package io.flowgres.reference.pitches;

import org.jspecify.annotations.Nullable;

/**
 * The JSON body of {@code POST /api/pitches}, as sent; {@link #validate()} turns it into a
 * {@link PitchDraft} or a 400 naming the first bad field. Text fields must not contain control
 * characters ({@code U+0000}-{@code U+001F}, {@code U+007F}-{@code U+009F}; tab and newline
 * included, since titles and loglines are single lines) or unpaired surrogates.
 *
 * @param ownerId the owning user's id
 * @param title the title
 * @param logline the one-sentence story
 * @param genre the genre
 * @param format the format
 * @param productionStage the production stage
 * @param status the status; defaults to {@code draft}
 */
public record PitchRequest(@Nullable Long ownerId, @Nullable String title, @Nullable String logline,
        @Nullable String genre, @Nullable String format, @Nullable String productionStage, @Nullable String status) {

    /**
     * Validates every field.
     *
     * @return the draft
     * @throws io.flowgres.web.problem.BadRequestException naming the first bad field
     */
    public PitchDraft validate() {
        return validate("");
    }

    /**
     * Validates every field with the same rules as {@link #validate()}, naming a bad field under a
     * prefix, so that one item of a batch is reported as, for example, {@code items[3].genre}.
     *
     * @param prefix put before each field's name in the parameter and the message; empty for none
     * @return the draft
     * @throws io.flowgres.web.problem.BadRequestException naming the first bad field, prefixed
     */
    public PitchDraft validate(String prefix) {
        if (ownerId == null || ownerId <= 0) {
            throw io.flowgres.web.problem.BadRequestException.forParameter(prefix + "ownerId",
                    prefix + "ownerId must be a positive integer");
        }
        return new PitchDraft(ownerId,
                Params.text(prefix + "title", title, 200),
                Params.text(prefix + "logline", logline, 1000),
                Params.parseEnum(prefix + "genre", genre, Genre.class),
                Params.parseEnum(prefix + "format", format, Format.class),
                Params.parseEnum(prefix + "productionStage", productionStage, ProductionStage.class),
                status == null ? PitchStatus.DRAFT : Params.parseEnum(prefix + "status", status, PitchStatus.class));
    }
}
