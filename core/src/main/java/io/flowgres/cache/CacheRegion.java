package io.flowgres.cache;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The entries of one query: its own Caffeine cache (so TTL and size are per query) and an epoch
 * that {@link #clear()} bumps, so that a load in flight during a clear is not served afterwards.
 */
final class CacheRegion {

    private final String query;
    private final CachePolicy policy;
    private final AsyncCache<CacheKey, CacheEntry> cache;
    private final AtomicLong epoch = new AtomicLong();

    CacheRegion(String query, CachePolicy policy, Ticker ticker, Executor executor) {
        this.query = query;
        this.policy = policy;
        this.cache = Caffeine.newBuilder()
                .maximumSize(policy.maximumSize())
                .expireAfterWrite(policy.ttl())
                .ticker(ticker)
                .executor(executor)
                .recordStats()
                .buildAsync();
    }

    String query() {
        return query;
    }

    CachePolicy policy() {
        return policy;
    }

    AsyncCache<CacheKey, CacheEntry> cache() {
        return cache;
    }

    long epoch() {
        return epoch.get();
    }

    void clear() {
        epoch.incrementAndGet();
        cache.synchronous().invalidateAll();
    }
}
