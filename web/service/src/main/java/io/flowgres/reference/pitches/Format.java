package io.flowgres.reference.pitches;

/** A pitch's format; the database's CHECK constraint allows the same values. */
public enum Format {
    /** A feature film. */
    FEATURE,
    /** A short film. */
    SHORT,
    /** A series. */
    SERIES,
    /** A limited series. */
    LIMITED_SERIES
}
