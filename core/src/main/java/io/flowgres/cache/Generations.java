package io.flowgres.cache;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A generation counter per tag, striped: invalidating a tag bumps its stripe, and an entry whose
 * stamps no longer match was loaded before the invalidation and must not be served. Two tags that
 * share a stripe only cost a spurious miss, never a stale hit; striping keeps the memory fixed however
 * many tags there are.
 */
final class Generations {

    static final int STRIPES = 8192;

    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

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

    void bump(Collection<String> tags) {
        for (String tag : tags) {
            stripes.incrementAndGet(stripe(tag));
        }
    }

    private static int stripe(String tag) {
        int hash = tag.hashCode();
        return (hash ^ (hash >>> 16)) & (STRIPES - 1);
    }
}
