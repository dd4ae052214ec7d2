package io.flowgres.cache;

import java.util.List;

import io.flowgres.routing.ConsistencyToken;
import org.jspecify.annotations.Nullable;

/**
 * One loaded result with what it depends on: its tags, the generation of each tag when the load
 * started, the epoch of its query's region, and the WAL position its load is known to have seen. An
 * empty result is cached too, as a null value.
 *
 * @param value the result, or null for an empty one
 * @param tags the tags, in the order of {@code stamps}
 * @param stamps each tag's generation when the load started
 * @param epoch the region's epoch when the load started
 * @param covers a WAL position every write up to which the load saw (the position its token
 *        named), 0 when none is known; a caller whose token is later is not served this entry
 */
record CacheEntry(@Nullable Object value, List<String> tags, long[] stamps, long epoch, long covers) {

    /** Whether the load saw the write of a caller's token ({@code null}: the caller wrote nothing). */
    boolean covers(@Nullable ConsistencyToken token) {
        return token == null || token.isSatisfiedBy(covers);
    }

    /**
     * What a load carrying {@code later(fill, caller)} is known to have seen: the later of the two
     * positions that are real. A writer-only token names no position: a load on the writer saw
     * everything committed before it, but which position that was is not known here.
     */
    static long covered(ConsistencyToken fill, @Nullable ConsistencyToken caller) {
        return Math.max(position(fill), position(caller));
    }

    private static long position(@Nullable ConsistencyToken token) {
        return token == null || token.isWriterOnly() ? 0 : token.lsn();
    }
}
