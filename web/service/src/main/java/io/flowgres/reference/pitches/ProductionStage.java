package io.flowgres.reference.pitches;

/** How far a pitch's production has come; the database's CHECK constraint allows the same values. */
public enum ProductionStage {
    /** Only an idea. */
    IDEA,
    /** A treatment exists. */
    TREATMENT,
    /** A script exists. */
    SCRIPT,
    /** In pre-production. */
    PRE_PRODUCTION,
    /** Being shot. */
    PRODUCTION,
    /** In post-production. */
    POST_PRODUCTION,
    /** Released. */
    RELEASED
}
