package io.flowgres.cache;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * The cache's meters. Caffeine's statistics come from Micrometer's own binder,
 * {@link CaffeineCacheMetrics}, under the conventional {@code cache.*} names ({@code cache.gets} by
 * hit or miss, {@code cache.puts}, {@code cache.evictions}, {@code cache.size}, {@code cache.load.duration}),
 * one cache per query ({@code cache} = the query's name, and {@code query} too). Flowgres's own are
 * {@code flowgres.cache.*}: entries refused as stale, entries older than their caller's consistency
 * token, reads that bypassed a suspended cache,
 * invalidations, broadcast failures and whether the cache is coherent.
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
        CaffeineCacheMetrics.monitor(registry, region.cache(), region.query(), Tags.of("query", region.query()));
    }

    void stale(CacheRegion region) {
        registry.counter("flowgres.cache.stale", "query", region.query()).increment();
    }

    void behind(CacheRegion region) {
        registry.counter("flowgres.cache.behind", "query", region.query()).increment();
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
