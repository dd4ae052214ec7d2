package io.flowgres.cache;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.WriterPositions;

/**
 * A generation counter per tag, striped: invalidating a tag bumps its stripe, and an entry whose
 * stamps no longer match was loaded before the invalidation and must not be served. Two tags that
 * share a stripe only cost a spurious miss, never a stale hit; striping keeps the memory fixed however
 * many tags there are. Each stripe also keeps the probe round count of its latest invalidation
 * ({@link WriterPositions#roundsStarted()}), and the cache the count of its latest clear, from which
 * a fill learns which writer position covers every invalidation of its tags ({@link #fillToken}).
 */
final class Generations {

    static final int STRIPES = 8192;

    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
    private final AtomicLongArray bumpRounds = new AtomicLongArray(STRIPES);
    private final WriterPositions positions;
    /** The round count when the cache was built or last cleared: fills need a later round's position. */
    private final AtomicLong clearedAtRound;

    /**
     * Creates the counters.
     *
     * @param positions the writer's positions by probe round
     */
    Generations(WriterPositions positions) {
        this.positions = positions;
        // Writes committed before the cache existed were never invalidated here: fills need a round begun since.
        this.clearedAtRound = new AtomicLong(positions.roundsStarted());
    }

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
     * The token a load of these tags must carry: the writer's position from a probe round begun after
     * their latest invalidation and the cache's latest clear. Read after {@link #stamp}, so that an
     * invalidation between the two either shows here or makes the stamps stale.
     */
    ConsistencyToken fillToken(List<String> tags) {
        long latest = clearedAtRound.get();
        for (String tag : tags) {
            latest = Math.max(latest, bumpRounds.get(stripe(tag)));
        }
        return positions.after(latest);
    }

    /** Marks a clear of the cache: whatever prompted it may never have been invalidated. */
    void cleared() {
        clearedAtRound.accumulateAndGet(positions.roundsStarted(), Math::max);
    }

    /**
     * Invalidates tags whose writes are known to have committed.
     *
     * @param tags the tags
     */
    void bump(Collection<String> tags) {
        long round = positions.roundsStarted();
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
