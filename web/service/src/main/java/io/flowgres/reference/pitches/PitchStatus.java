package io.flowgres.reference.pitches;

/** A pitch's publication status; the database's CHECK constraint allows the same values. */
public enum PitchStatus {
    /** Visible to its owner only. */
    DRAFT,
    /** Visible to everyone. */
    PUBLISHED,
    /** Withdrawn. */
    ARCHIVED
}
