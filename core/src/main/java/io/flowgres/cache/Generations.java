package io.flowgres.cache;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A generation counter per tag, striped: invalidating a tag bumps its stripe, and an entry whose
 * stamps no longer match was loaded before the invalidation and must not be served. Two tags that
 * share a stripe only cost a spurious miss, never a stale hit; striping keeps the memory fixed however
 * many tags there are. Each stripe also keeps the probe round count of its latest invalidation
 * ({@link io.flowgres.routing.WriterPositions#roundsStarted()}), from which a fill learns which
 * writer positions cover every invalidation of its tags.
 */
final class Generations {

    static final int STRIPES = 8192;

    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
    private final AtomicLongArray bumpRounds = new AtomicLongArray(STRIPES);

    long[] stamp(List<String> tags) {
        long[] stamps = new long[tags.size()];
        for (int i = 0; i < stamps.length; i++) {
            stamps[i] = stripes.get(stripe(tags.get(i)));
        }
        return stamps;
    }

    boolean isCurrent(List<String> tags, long[] stamps) {
        for (int i = 0; i < stamps.length; i++) {
            if (stripes.get(stripe(tags.get(i))) != stamps[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The latest probe round count at which any of the tags was invalidated (0 when none was): a
     * position from a later round covers all their invalidated writes. Read after {@link #stamp}, so
     * that an invalidation between the two either shows here or makes the stamps stale.
     */
    long lastBumpRound(List<String> tags) {
        long latest = 0;
        for (String tag : tags) {
            latest = Math.max(latest, bumpRounds.get(stripe(tag)));
        }
        return latest;
    }

    /**
     * Invalidates tags.
     *
     * @param tags the tags
     * @param round how many probe rounds had started when the invalidated writes were known to have committed
     */
    void bump(Collection<String> tags, long round) {
        for (String tag : tags) {
            int stripe = stripe(tag);
            // The round first: a fill that sees the new generation must also see the round.
            bumpRounds.accumulateAndGet(stripe, round, Math::max);
            stripes.incrementAndGet(stripe);
        }
    }

    private static int stripe(String tag) {
        int hash = tag.hashCode();
        return (hash ^ (hash >>> 16)) & (STRIPES - 1);
    }
}
