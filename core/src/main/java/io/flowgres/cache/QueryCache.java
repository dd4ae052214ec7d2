package io.flowgres.cache;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Ticker;
import io.flowgres.internal.Checks;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.WriterPositions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A cache of query results in front of the database, on Caffeine's {@code AsyncCache}, one region
 * per query with its own {@link CachePolicy}. Caching is opt-in: a query without a policy (or with a
 * disabled one) always runs its loader.
 *
 * <ul>
 *   <li><b>Single flight</b>: concurrent misses on one {@link CacheKey} share one load; a failed load
 *       is not cached, so the next caller loads again.</li>
 *   <li><b>Tags</b>: every entry names what it depends on ({@code pitch:42}, {@code user:7}); a write
 *       declares the tags it touched through {@link #invalidateWithin} (the other instances are told
 *       inside its transaction) or {@link #invalidateAfter}, which drop them only after the write
 *       succeeded, so a rolled-back transaction invalidates nothing.</li>
 *   <li><b>Generations</b>: each tag has a generation, stamped on an entry when its load
 *       <em>starts</em>; an entry whose stamps are older than its tags' generations is never served.
 *       A load that raced with a write therefore cannot put the pre-write value back.</li>
 *   <li><b>Coherence</b>: invalidations go to the other instances through an
 *       {@link InvalidationBroadcaster}; while the link that receives theirs is down, reads bypass the
 *       cache (as ordinary reads, on replicas too), and when it is back every region is cleared, because
 *       messages may have been lost.</li>
 *   <li><b>Fills on replicas</b>: a load must see every write whose invalidation arrived before it
 *       started, or a lagging replica's old row could be cached right after an invalidation. Given
 *       the {@linkplain Builder#writerPositions writer's positions} by probe round, the cache hands
 *       each load a {@link ConsistencyToken}: the writer's position in a probe round that began after
 *       the latest invalidation of the load's tags (and after the cache last cleared or resumed).
 *       Read with it, a load runs on a replica that has replayed those writes, else on the writer.
 *       Until such a round has ended (a probe interval after a write) the token is
 *       {@link ConsistencyToken#writerOnly()}, and so is every token without positions.</li>
 *   <li><b>Callers' tokens</b>: a caller that passes the token of its last write is served only an
 *       entry whose load saw that write, whoever made it and whether or not this cache was told of it;
 *       an older entry is loaded again with the caller's token.</li>
 * </ul>
 *
 * <pre>{@code
 * QueryCache cache = QueryCache.builder().cache("pitches.byId", CachePolicy.defaults())
 *         .writerPositions(flowgres.writerPositions()).build();
 * Mono<Pitch> pitch = cache.get(CacheKey.of("pitches.byId", "id", id), Set.of("pitch:" + id), callersToken,
 *         token -> repository.load(BY_ID.withConsistency(token), id));
 * Mono<Committed<Pitch>> updated = cache.invalidateWithin(
 *         work -> flowgres.transactionCommitted(UPDATE, work),
 *         connection -> repository.update(connection, id, change),
 *         saved -> Set.of("pitch:" + id, "user:" + saved.get(0).ownerId()));
 * }</pre>
 */
public final class QueryCache {

    /** How many times a read reloads after finding only entries invalidated meanwhile, before it reads uncached. */
    static final int MAX_STALE_RELOADS = 2;
    /** Longest tag accepted. */
    public static final int MAX_TAG_LENGTH = 200;

    private static final Logger log = LoggerFactory.getLogger(QueryCache.class);

    private final Map<String, CacheRegion> regions;
    private final Generations generations;
    private final AtomicBoolean coherent = new AtomicBoolean(true);
    private final InvalidationBroadcaster broadcaster;
    private final CacheMeters meters;
    private final InvalidatingWrites writes;

    private QueryCache(Builder builder) {
        Map<String, CacheRegion> built = new LinkedHashMap<>();
        builder.policies.forEach((query, policy) -> {
            if (policy.enabled()) {
                built.put(query, new CacheRegion(query, policy, builder.ticker, builder.executor));
            }
        });
        this.regions = Collections.unmodifiableMap(built);
        this.broadcaster = builder.broadcaster;
        this.meters = new CacheMeters(builder.meterRegistry, regions.values(), coherent);
        this.generations = new Generations(builder.positions);
        this.writes = new InvalidatingWrites(broadcaster, this::invalidate, this::invalidateLocally);
    }

    /** A new builder: no query cached until {@link Builder#cache} names one. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads through the cache for the caller whose consistency token, if any, is in the subscriber's
     * Reactor context ({@link FlowgresRouting#consistency}, where the Flowgres starter's filter puts
     * the token a client sends); see {@link #get(CacheKey, Set, ConsistencyToken, Function)}.
     *
     * @param key the canonical key; its query selects the policy
     * @param tags what the result depends on: non-blank, without whitespace, at most
     *        {@value #MAX_TAG_LENGTH} characters each
     * @param loader creates the load from its token ({@code null} for a read that is not cached),
     *        called at most once per miss
     * @param <T> the result type
     * @return the result, lazily; cancelling it does not cancel a load other callers share
     * @throws IllegalArgumentException (on subscription) when a tag is invalid
     */
    public <T> Mono<T> get(CacheKey key, Set<String> tags,
            Function<? super @Nullable ConsistencyToken, ? extends Mono<T>> loader) {
        return Mono.deferContextual(context -> get(key, tags, FlowgresRouting.consistencyOf(context).orElse(null), loader));
    }

    /**
     * Reads through the cache: a hit whose tags were not invalidated since its load started, and
     * whose load saw the caller's write, is served from memory; otherwise one load runs for all
     * concurrent callers of the key. Empty results are cached like values.
     *
     * <p>The loader is given the {@link ConsistencyToken} its read must carry: the later of the
     * caller's and the cache's own, which makes it see every write this cache has been told about
     * (see the class comment; without {@linkplain Builder#writerPositions writer positions} that is
     * always {@link ConsistencyToken#writerOnly()}, which routes the read to the writer). The entry
     * remembers the position its token named; a caller whose token is later (a write the cache was
     * never told of, such as one made through another instance whose invalidation is still on its
     * way, or a bulk load around the cache) is not served it but loads again, and that load replaces
     * it. A caller whose token is {@linkplain ConsistencyToken#writerOnly() writer-only} reads on the
     * writer, uncached. A read that is not cached (the query has no policy, or the cache is bypassed
     * while invalidations may be missed) is given the caller's token alone: an ordinary read, so a
     * bypass while the primary is unreachable still reads on the replicas.
     *
     * @param key the canonical key; its query selects the policy
     * @param tags what the result depends on: non-blank, without whitespace, at most
     *        {@value #MAX_TAG_LENGTH} characters each
     * @param token the consistency token of the caller's last write, or {@code null} when it has none
     * @param loader creates the load from its token ({@code null} only for a read that is not cached
     *        by a caller without a token), called at most once per miss
     * @param <T> the result type
     * @return the result, lazily; cancelling it does not cancel a load other callers share
     * @throws IllegalArgumentException (on subscription) when a tag is invalid
     */
    public <T> Mono<T> get(CacheKey key, Set<String> tags, @Nullable ConsistencyToken token,
            Function<? super @Nullable ConsistencyToken, ? extends Mono<T>> loader) {
        Checks.notNull(key, "key");
        Checks.notNull(loader, "loader");
        return Mono.defer(() -> {
            List<String> checked = List.copyOf(InvalidatingWrites.checkTags(tags));
            CacheRegion region = regions.get(key.query());
            if (region == null) {
                return loader.apply(token);
            }
            if (!coherent.get()) {
                meters.bypassed(region);
                return loader.apply(token);
            }
            if (token != null && token.isWriterOnly()) {
                // No entry can show it saw a write whose position is unknown, and a load on the writer
                // names no position either: read there, and leave the cache to callers it can serve.
                meters.behind(region);
                return loader.apply(token);
            }
            return lookup(region, key, checked, token, loader, 0);
        });
    }

    /**
     * Reads through the cache with a loader that chooses where to read itself; it should read on the
     * primary (a replica may not yet have a write whose invalidation arrived). See
     * {@link #get(CacheKey, Set, Function)}, which lets loads run on replicas.
     *
     * @param key the canonical key; its query selects the policy
     * @param tags what the result depends on
     * @param loader creates the load, called at most once per miss
     * @param <T> the result type
     * @return the result, lazily
     * @throws IllegalArgumentException (on subscription) when a tag is invalid
     */
    public <T> Mono<T> get(CacheKey key, Set<String> tags, Supplier<? extends Mono<T>> loader) {
        Checks.notNull(loader, "loader");
        return get(key, tags, token -> loader.get());
    }

    private <T> Mono<T> lookup(CacheRegion region, CacheKey key, List<String> tags, @Nullable ConsistencyToken caller,
            Function<? super @Nullable ConsistencyToken, ? extends Mono<T>> loader, int reloads) {
        CompletableFuture<CacheEntry> future = region.cache().get(key, (ignored, executor) -> {
            // Stamped before the load starts: an invalidation from here on makes this entry unservable;
            // the token, read after the stamps, covers every invalidation before them.
            long epoch = region.epoch();
            long[] stamps = generations.stamp(tags);
            ConsistencyToken fill = generations.fillToken(tags);
            ConsistencyToken token = ConsistencyToken.later(fill, caller);
            long covers = CacheEntry.covered(fill, caller);
            return Mono.defer(() -> loader.apply(token))
                    .map(value -> new CacheEntry(value, tags, stamps, epoch, covers))
                    .defaultIfEmpty(new CacheEntry(null, tags, stamps, epoch, covers))
                    .toFuture();
        });
        // suppressCancel: one caller going away must not cancel a load others wait for.
        return Mono.fromFuture(future, true).flatMap(entry -> {
            boolean current = entry.epoch() == region.epoch() && generations.isCurrent(entry.tags(), entry.stamps());
            if (current && entry.covers(caller)) {
                return Mono.justOrEmpty(QueryCache.<T>cast(entry.value()));
            }
            if (current) {
                meters.behind(region);
            } else {
                meters.stale(region);
            }
            region.cache().asMap().remove(key, future);
            // Reloads keep losing to writes (or to loads for earlier tokens): read uncached, but as fresh as a fill would be.
            return reloads < MAX_STALE_RELOADS ? lookup(region, key, tags, caller, loader, reloads + 1)
                    : Mono.defer(() -> loader.apply(ConsistencyToken.later(generations.fillToken(tags), caller)));
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    /**
     * Runs a transaction that tells the other instances what it touched from inside itself, so there
     * is no moment when it has committed and they do not know: after the work, the tags of its results
     * are {@linkplain InvalidationBroadcaster#publishWithin published within the transaction}, which
     * delivers them exactly when it commits, also when the commit's answer is lost, and never when it
     * rolls back. Once it committed, or when its outcome is unknown, the tags are dropped here too
     * (an instance ignores its own notifications). A transport that cannot publish within a
     * transaction publishes after the commit, as {@link #invalidateAfter} does.
     *
     * @param transaction runs the work it is given in one transaction, for example
     *        {@code work -> flowgres.transactionCommitted(query, work)}; its completion must mean
     *        "committed", and the work may run more than once (a re-run transaction)
     * @param work the transaction's work
     * @param tags the tags touched, from the work's results
     * @param <T> the type of the work's results
     * @param <R> the type of the transaction's result
     * @return the transaction's result, emitted after the local invalidation
     */
    public <T, R> Mono<R> invalidateWithin(
            Function<? super Function<Connection, Publisher<T>>, ? extends Mono<R>> transaction,
            Function<? super Connection, ? extends Publisher<T>> work,
            Function<? super List<T>, ? extends Collection<String>> tags) {
        return writes.within(transaction, work, tags);
    }

    /**
     * Runs a write and, only when it succeeded (with a value or empty), invalidates the tags it
     * touched here and on the other instances before the result is emitted; a write that failed
     * invalidates nothing, except when its outcome is unknown (it may have committed).
     *
     * @param write the write or transaction; its completion must mean "committed"
     * @param tags the tags it touched
     * @param <T> the result type
     * @return the write's result, emitted after the invalidation
     */
    public <T> Mono<T> invalidateAfter(Mono<T> write, Collection<String> tags) {
        Checks.notNull(tags, "tags");
        return writes.after(write, value -> tags, tags);
    }

    /**
     * Runs a write and, when it produced a value, invalidates the tags computed from it (for example
     * the id a {@code INSERT … RETURNING} assigned); an empty or failed write invalidates nothing.
     *
     * @param write the write or transaction; its completion must mean "committed"
     * @param tags the tags touched, from the write's result
     * @param <T> the result type
     * @return the write's result, emitted after the invalidation
     */
    public <T> Mono<T> invalidateAfter(Mono<T> write, Function<? super T, ? extends Collection<String>> tags) {
        return writes.after(write, tags, List.of());
    }

    /**
     * Invalidates tags here at once, then tells the other instances. A failure to tell them is logged
     * and counted, not raised: the write it follows has committed, and the TTL bounds their staleness.
     *
     * @param tags the tags
     * @return completes when the other instances were told (or telling them failed)
     */
    public Mono<Void> invalidate(Collection<String> tags) {
        Checks.notNull(tags, "tags");
        return Mono.defer(() -> {
            Set<String> checked = InvalidatingWrites.checkTags(tags);
            if (checked.isEmpty()) {
                return Mono.empty();
            }
            invalidateLocally(checked);
            return broadcaster.publish(checked).onErrorResume(error -> {
                meters.broadcastFailed();
                log.warn("could not broadcast the invalidation of {}: {}", checked, error.toString());
                return Mono.empty();
            });
        });
    }

    /**
     * Invalidates tags in this instance only; for invalidations received from another instance.
     *
     * @param tags the tags
     */
    public void invalidateLocally(Collection<String> tags) {
        generations.bump(InvalidatingWrites.checkTags(tags));
        meters.invalidated(tags.size());
    }

    /**
     * Drops every entry of one query here; loads in flight are not served afterwards.
     *
     * @param query the query's name
     * @throws IllegalArgumentException when the query is not cached
     */
    public void clear(String query) {
        CacheRegion region = regions.get(query);
        Checks.argument(region != null, "query must be one of the cached queries %s, was '%s'",
                regions.keySet(), query);
        generations.cleared();
        region.clear();
    }

    /** Drops every entry of every query here; fills then wait for a probe round begun since to read on replicas. */
    public void clearAll() {
        generations.cleared();
        regions.values().forEach(CacheRegion::clear);
    }

    /** The names of the cached queries. */
    public Set<String> queries() {
        return regions.keySet();
    }

    /**
     * Whether a query is cached (it has an enabled policy).
     *
     * @param query the query's name
     * @return true when its results are cached
     */
    public boolean isCached(String query) {
        return regions.containsKey(query);
    }

    /**
     * The approximate number of entries of one query, expired ones possibly included.
     *
     * @param query the query's name
     * @return the count, 0 for a query that is not cached
     */
    public long estimatedSize(String query) {
        CacheRegion region = regions.get(query);
        return region == null ? 0 : region.cache().synchronous().estimatedSize();
    }

    /** Whether the cache serves entries: false while invalidations from other instances may be missed. */
    public boolean isCoherent() {
        return coherent.get();
    }

    /**
     * Stops serving entries: invalidations from other instances may now be missed.
     *
     * @param lost whether a listener that was receiving them lost its connection (a warning), rather
     *        than one only starting (said at INFO: every start passes through it)
     */
    void suspend(boolean lost) {
        if (coherent.compareAndSet(true, false)) {
            if (lost) {
                log.warn("query cache suspended: reads bypass it until invalidations arrive again");
            } else {
                log.info("query cache waits for its invalidation listener: reads bypass it until it listens");
            }
        }
    }

    /** Serves entries again after clearing everything loaded while invalidations may have been missed. */
    void resume() {
        clearAll();
        if (coherent.compareAndSet(false, true)) {
            log.info("query cache resumed");
        }
    }

    /** Builds a {@link QueryCache}. Not thread-safe. */
    public static final class Builder {

        private final Map<String, CachePolicy> policies = new LinkedHashMap<>();
        private Ticker ticker = Ticker.systemTicker();
        private Executor executor = ForkJoinPool.commonPool();
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private InvalidationBroadcaster broadcaster = InvalidationBroadcaster.NONE;
        private WriterPositions positions = WriterPositions.NONE;

        private Builder() {
        }

        /**
         * Caches a query's results.
         *
         * @param query the query's name, as in its {@link CacheKey}s
         * @param policy its TTL, size and whether it is enabled
         * @return this builder
         * @throws IllegalArgumentException when the name is blank
         * @throws IllegalStateException when the query already has a policy
         */
        public Builder cache(String query, CachePolicy policy) {
            Checks.notNull(query, "query");
            Checks.argument(!query.isBlank(), "query must not be blank, was '%s'", query);
            Checks.notNull(policy, "policy");
            Checks.state(!policies.containsKey(query), "query '%s' already has a cache policy", query);
            policies.put(query, policy);
            return this;
        }

        /**
         * Sets the time source of TTLs; exists to facilitate testing with a fake ticker.
         *
         * @param ticker the ticker (default the system's)
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Checks.notNull(ticker, "ticker");
            return this;
        }

        /**
         * Sets where Caffeine runs maintenance; exists to facilitate testing ({@code Runnable::run}).
         *
         * @param executor the executor (default the common pool)
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Checks.notNull(executor, "executor");
            return this;
        }

        /**
         * Sets where the {@code flowgres.cache.*} meters are registered.
         *
         * @param meterRegistry the registry (default a private one)
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Checks.notNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Sets how invalidations reach the other instances.
         *
         * @param broadcaster the transport (default {@link InvalidationBroadcaster#NONE})
         * @return this builder
         */
        public Builder broadcaster(InvalidationBroadcaster broadcaster) {
            this.broadcaster = Checks.notNull(broadcaster, "broadcaster");
            return this;
        }

        /**
         * Lets fills run on replicas: each load is given the writer's position from a probe round that
         * began after the latest invalidation of its tags, usually {@code flowgres.writerPositions()}.
         *
         * @param positions the writer's positions by probe round (default {@link WriterPositions#NONE}:
         *        every load is given {@link ConsistencyToken#writerOnly()})
         * @return this builder
         */
        public Builder writerPositions(WriterPositions positions) {
            this.positions = Checks.notNull(positions, "positions");
            return this;
        }

        /** Builds the cache. */
        public QueryCache build() {
            return new QueryCache(this);
        }
    }
}
