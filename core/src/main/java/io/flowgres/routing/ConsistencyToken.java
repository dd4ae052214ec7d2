package io.flowgres.routing;

import io.flowgres.internal.Lsn;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Proof of a write, for reading it back: the primary's WAL position taken after the write
 * committed. A read carrying it runs only on a replica that has replayed at least that far, else
 * on the primary, so its caller always sees its own write. Its text form ({@link #toString()}, e.g.
 * {@code 0/16B3748}) is what travels between client and server; {@link #parse} reads it back.
 *
 * @param lsn the WAL byte position
 */
public record ConsistencyToken(long lsn) {

    /**
     * A token no replica satisfies, so that reads carrying it go to the writer: what a committed
     * write returns when its WAL position could not be read after the commit.
     *
     * @return the token
     */
    public static ConsistencyToken writerOnly() {
        return new ConsistencyToken(Long.MAX_VALUE);
    }

    /**
     * Whether this is the {@linkplain #writerOnly() writer-only} token: it names no position, so no
     * replica ever satisfies it and nothing can be checked against it.
     *
     * @return {@code true} for the writer-only token
     */
    public boolean isWriterOnly() {
        return lsn == Long.MAX_VALUE;
    }

    /**
     * The token of what a connection to the writer has committed: the writer's WAL insert position,
     * read on that connection ({@code pg_current_wal_insert_lsn()}), one round trip. Never fails: when
     * the position cannot be read (the connection broke after the commit, the server went away), the
     * token is {@link #writerOnly()}, which is always safe.
     *
     * @param connection a connection to the writer, after the commit
     * @return the token
     */
    public static Mono<ConsistencyToken> afterCommit(Connection connection) {
        return Flux.from(connection.createStatement("SELECT pg_current_wal_insert_lsn()::text").execute())
                .flatMap(result -> result.map(row -> String.valueOf(row.get(0))))
                .singleOrEmpty()
                .map(lsn -> new ConsistencyToken(Lsn.parse(lsn)))
                .onErrorResume(error -> Mono.empty())
                .defaultIfEmpty(writerOnly());
    }

    /**
     * The token that covers both of two, either of which may be absent: the later one. A writer-only
     * token is later than any position.
     *
     * @param one a token, or {@code null}
     * @param other another, or {@code null}
     * @return the later of the two, {@code null} only when both are
     */
    public static @Nullable ConsistencyToken later(@Nullable ConsistencyToken one, @Nullable ConsistencyToken other) {
        if (one == null) {
            return other;
        }
        return other == null || other.lsn() <= one.lsn() ? one : other;
    }

    /**
     * Reads a token's text form.
     *
     * @param text e.g. {@code 0/16B3748}
     * @return the token
     * @throws IllegalArgumentException when the text is not a token
     */
    public static ConsistencyToken parse(String text) {
        if (text == null || text.length() > 17) {
            throw new IllegalArgumentException("consistency token must look like 0/16B3748, was '"
                    + (text == null ? null : text.substring(0, Math.min(text.length(), 20))) + "'");
        }
        try {
            return new ConsistencyToken(Lsn.parse(text.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("consistency token must look like 0/16B3748, was '" + text + "'");
        }
    }

    /**
     * Whether a replica that has replayed up to {@code replayLsn} has seen this write.
     *
     * @param replayLsn the replica's replay position
     * @return {@code true} when it has
     */
    public boolean isSatisfiedBy(long replayLsn) {
        return replayLsn >= lsn;
    }

    @Override
    public String toString() {
        return Lsn.format(lsn);
    }
}
