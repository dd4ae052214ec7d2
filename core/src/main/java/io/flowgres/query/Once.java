package io.flowgres.query;

import io.flowgres.routing.ConsistencyToken;

/**
 * The answer of a write run at most once per idempotency key ({@code Flowgres.writeOnce}): the
 * response the first run stored, whether this call replayed it instead of writing, and a token that
 * sees the write.
 *
 * <p>The key, a fingerprint of the request and the response are stored in the write's own
 * transaction, so they commit or vanish with it: a repeat after a lost answer (an
 * {@link OutcomeUnknownException}, a dropped connection, a client's timeout) either replays the
 * stored response or, when nothing committed, runs the write now. A repeat while the first run is
 * still open waits for it (the key's row lock) and then replays.
 *
 * @param response what the first run stored, as its work encoded it (e.g. the JSON body it answered)
 * @param replayed {@code true} when this call wrote nothing and returned the stored response
 * @param token a consistency token that sees the write
 */
public record Once(String response, boolean replayed, ConsistencyToken token) {

    /**
     * The table {@code writeOnce} keeps its keys in; run it once in the application's migrations. A
     * key past its expiry is forgotten when it is used again; {@code DELETE FROM flowgres_idempotency
     * WHERE expires_at < now()} clears the rest when convenient.
     */
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS flowgres_idempotency (
                key         text        PRIMARY KEY,
                fingerprint text        NOT NULL,
                response    text        NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                expires_at  timestamptz NOT NULL
            )""";
}
