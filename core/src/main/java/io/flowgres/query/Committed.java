package io.flowgres.query;

import java.util.List;

import io.flowgres.routing.ConsistencyToken;

/**
 * The results of a committed write or transaction, with the token that lets a later read see it:
 * pass {@link #token()} to {@link Query#withConsistency} (or send its text form to the client, who
 * sends it back) and the read runs only where the write is visible.
 *
 * @param results what the work emitted
 * @param token the primary's WAL position taken after the commit
 * @param <T> the result type
 */
public record Committed<T>(List<T> results, ConsistencyToken token) {

    /**
     * Creates the value.
     *
     * @param results the results, copied
     * @param token the token
     */
    public Committed {
        results = List.copyOf(results);
    }
}
