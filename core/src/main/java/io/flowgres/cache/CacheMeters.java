package io.flowgres.cache;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code flowgres.cache.*} meters, tagged by {@code query} only: Caffeine's statistics (gets by
 * hit or miss, loads and their time, evictions, size) read when scraped, and our own counters for
 * entries refused as stale, reads that bypassed a suspended cache, invalidations and broadcast failures.
 */
final class CacheMeters {

    private final MeterRegistry registry;
    private final Counter invalidations;
    private final Counter broadcastFailures;

    CacheMeters(MeterRegistry registry, Collection<CacheRegion> regions, AtomicBoolean coherent) {
        this.registry = registry;
        for (CacheRegion region : regions) {
            bind(region);
        }
        this.invalidations = Counter.builder("flowgres.cache.invalidations")
                .description("Tags invalidated in this instance, local and received").register(registry);
        this.broadcastFailures = Counter.builder("flowgres.cache.broadcast.failures")
                .description("Invalidations that could not be sent to the other instances").register(registry);
        Gauge.builder("flowgres.cache.coherent", coherent, flag -> flag.get() ? 1 : 0)
                .description("1 while the cache serves entries, 0 while it is bypassed").register(registry);
    }

    private void bind(CacheRegion region) {
        String query = region.query();
        FunctionCounter.builder("flowgres.cache.gets", region, r -> stats(r).hitCount())
                .tag("query", query).tag("result", "hit").description("Cache lookups").register(registry);
        FunctionCounter.builder("flowgres.cache.gets", region, r -> stats(r).missCount())
                .tag("query", query).tag("result", "miss").description("Cache lookups").register(registry);
        FunctionCounter.builder("flowgres.cache.evictions", region, r -> stats(r).evictionCount())
                .tag("query", query).description("Entries evicted for size or expiry").register(registry);
        FunctionCounter.builder("flowgres.cache.load.failures", region, r -> stats(r).loadFailureCount())
                .tag("query", query).description("Loads that failed and were not cached").register(registry);
        FunctionTimer.builder("flowgres.cache.loads", region, r -> stats(r).loadCount(),
                        r -> stats(r).totalLoadTime(), TimeUnit.NANOSECONDS)
                .tag("query", query).description("Loads after a miss, and their time").register(registry);
        Gauge.builder("flowgres.cache.size", region, r -> r.cache().synchronous().estimatedSize())
                .tag("query", query).description("Approximate number of entries").register(registry);
    }

    private static CacheStats stats(CacheRegion region) {
        return region.cache().synchronous().stats();
    }

    void stale(CacheRegion region) {
        registry.counter("flowgres.cache.stale", "query", region.query()).increment();
    }

    void bypassed(CacheRegion region) {
        registry.counter("flowgres.cache.bypassed", "query", region.query()).increment();
    }

    void invalidated(int tags) {
        invalidations.increment(tags);
    }

    void broadcastFailed() {
        broadcastFailures.increment();
    }
}
