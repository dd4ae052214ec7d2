package io.flowgres.reference.pitches;

/** A pitch's genre; the database's CHECK constraint allows the same values. */
public enum Genre {
    /** Drama. */
    DRAMA,
    /** Comedy. */
    COMEDY,
    /** Thriller. */
    THRILLER,
    /** Horror. */
    HORROR,
    /** Science fiction. */
    SCIFI,
    /** Documentary. */
    DOCUMENTARY,
    /** Animation. */
    ANIMATION,
    /** Romance. */
    ROMANCE
}
