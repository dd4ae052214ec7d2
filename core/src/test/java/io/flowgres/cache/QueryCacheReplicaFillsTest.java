package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.WriterPositions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The tokens a cache hands its loads: the writer's position in a probe round that began after every
 * invalidation of the load's tags and after the cache was built, cleared or resumed; the writer
 * itself ({@link ConsistencyToken#writerOnly()}) until such a round has ended, and always without
 * positions. A load carrying the token sees every write the cache was told about, wherever it runs. A
 * caller's own token is served only by an entry whose load saw its write, else loaded with. A read that
 * is not cached (no policy, or the cache bypassed) gets the caller's token alone, none without one.
 */
final class QueryCacheReplicaFillsTest {

    private static final String QUERY = "pitches.byId";
    private static final ConsistencyToken WRITER = ConsistencyToken.writerOnly();

    private final Rounds rounds = new Rounds();
    /** The tokens loads were given; null (no token) is kept too. */
    private final List<Optional<ConsistencyToken>> given = new CopyOnWriteArrayList<>();

    private QueryCache cache() {
        return QueryCache.builder().cache(QUERY, CachePolicy.defaults()).executor(Runnable::run)
                .writerPositions(rounds).build();
    }

    /** Reads a pitch through the cache; the load records the token it was given. */
    private @Nullable ConsistencyToken fill(QueryCache cache, long id, String... tags) {
        cache.get(CacheKey.of(QUERY, "id", id), Set.of(tags), token -> {
            given.add(Optional.ofNullable(token));
            return Mono.just("pitch " + id);
        }).as(StepVerifier::create).expectNext("pitch " + id).verifyComplete();
        return given.get(given.size() - 1).orElse(null);
    }

    @Test
    void withoutPositionsEveryLoadReadsOnTheWriter() {
        QueryCache cache = QueryCache.builder().cache(QUERY, CachePolicy.defaults()).executor(Runnable::run).build();
        assertThat(fill(cache, 1, "pitch:1")).isEqualTo(WRITER);
    }

    @Test
    void aLoadNeedsARoundBegunSinceTheCacheWasBuilt() {
        rounds.end(rounds.start(), 100);
        QueryCache cache = cache();
        assertThat(fill(cache, 1, "pitch:1")).isEqualTo(WRITER);
        rounds.end(rounds.start(), 200);
        rounds.end(rounds.start(), 300);
        // The earliest qualifying position: the one most replicas have replayed.
        assertThat(fill(cache, 2, "pitch:2")).isEqualTo(new ConsistencyToken(200));
    }

    @Test
    void afterAnInvalidationItsTagsWaitForARoundBegunSinceAndOtherTagsDoNot() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        assertThat(fill(cache, 1, "pitch:1", "pitches")).isEqualTo(new ConsistencyToken(100));
        cache.invalidateLocally(Set.of("pitch:1"));
        assertThat(fill(cache, 1, "pitch:1", "pitches")).isEqualTo(WRITER);
        assertThat(fill(cache, 2, "pitch:2", "pitches")).isEqualTo(new ConsistencyToken(100));
        rounds.end(rounds.start(), 200);
        // Any load whose tags include the invalidated one needs the round begun after it.
        assertThat(fill(cache, 3, "pitch:3", "pitch:1")).isEqualTo(new ConsistencyToken(200));
    }

    @Test
    void aRoundAlreadyRunningAtTheInvalidationDoesNotCoverIt() {
        QueryCache cache = cache();
        long running = rounds.start();
        cache.invalidateLocally(Set.of("pitch:1"));
        rounds.end(running, 100);
        assertThat(fill(cache, 1, "pitch:1")).isEqualTo(WRITER);
        rounds.end(rounds.start(), 200);
        assertThat(fill(cache, 3, "pitch:1")).isEqualTo(new ConsistencyToken(200));
    }

    @Test
    void clearingOrResumingMakesEveryLoadWaitForARoundBegunSince() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        cache.clearAll();
        assertThat(fill(cache, 1, "pitch:1")).isEqualTo(WRITER);
        rounds.end(rounds.start(), 200);
        cache.clear(QUERY);
        assertThat(fill(cache, 2, "pitch:2")).isEqualTo(WRITER);
        rounds.end(rounds.start(), 300);
        cache.suspend(true);
        // Bypassed while incoherent: an ordinary read, not cached, which needs no token of the cache's.
        assertThat(fill(cache, 3, "pitch:3")).isNull();
        cache.resume();
        assertThat(fill(cache, 4, "pitch:4")).isEqualTo(WRITER);
        rounds.end(rounds.start(), 400);
        assertThat(fill(cache, 5, "pitch:5")).isEqualTo(new ConsistencyToken(400));
    }

    @Test
    void aQueryWithoutAPolicyIsAnOrdinaryReadWithoutAToken() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        cache.get(CacheKey.of("users.byId", "id", 1), Set.of("user:1"), token -> Mono.just(String.valueOf(token)))
                .as(StepVerifier::create).expectNext("null").verifyComplete();
    }

    @Test
    void aLoaderThatChoosesItsOwnNodeIsUnchanged() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        cache.get(CacheKey.of(QUERY, "id", 1), Set.of("pitch:1"), () -> Mono.just("primary"))
                .as(StepVerifier::create).expectNext("primary").verifyComplete();
        assertThat(given).isEmpty();
    }

    /** Reads pitch 1 for a caller with a token; each load answers a new version, so a hit shows as an old one. */
    private String readAs(QueryCache cache, @Nullable ConsistencyToken caller) {
        return cache.get(CacheKey.of(QUERY, "id", 1), Set.of("pitch:1"), caller, token -> {
            given.add(Optional.ofNullable(token));
            return Mono.just("version " + given.size());
        }).block();
    }

    @Test
    void aCallerIsServedAnEntryOnlyWhenItsLoadSawTheCallersWrite() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueryCache cache = QueryCache.builder().cache(QUERY, CachePolicy.defaults()).executor(Runnable::run)
                .writerPositions(rounds).meterRegistry(registry).build();
        rounds.end(rounds.start(), 100);
        assertThat(readAs(cache, null)).isEqualTo("version 1");
        assertThat(given.get(0)).contains(new ConsistencyToken(100));
        // Loaded at position 100: it saw writes up to there, whatever the cache was told.
        assertThat(readAs(cache, new ConsistencyToken(90))).isEqualTo("version 1");
        assertThat(readAs(cache, new ConsistencyToken(100))).isEqualTo("version 1");
        // A write at 150 the cache never heard of (another instance's, its invalidation on the way): load again with it.
        assertThat(readAs(cache, new ConsistencyToken(150))).isEqualTo("version 2");
        assertThat(given.get(1)).contains(new ConsistencyToken(150));
        assertThat(registry.counter("flowgres.cache.behind", "query", QUERY).count()).isEqualTo(1);
        // The new entry replaced the old one for everybody.
        assertThat(readAs(cache, null)).isEqualTo("version 2");
        assertThat(readAs(cache, new ConsistencyToken(120))).isEqualTo("version 2");
        assertThat(given).hasSize(2);
    }

    @Test
    void withoutATokenArgumentTheCallersTokenComesFromItsContext() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        assertThat(readAs(cache, null)).isEqualTo("version 1");
        Mono<String> read = cache.get(CacheKey.of(QUERY, "id", 1), Set.of("pitch:1"), token -> {
            given.add(Optional.ofNullable(token));
            return Mono.just("version " + given.size());
        });
        read.as(StepVerifier::create).expectNext("version 1").verifyComplete();
        read.contextWrite(FlowgresRouting.consistency(new ConsistencyToken(150))).as(StepVerifier::create)
                .expectNext("version 2").verifyComplete();
        assertThat(given.get(1)).contains(new ConsistencyToken(150));
    }

    @Test
    void anEntryFilledOnTheWriterServesOnlyTokensItsLoadCarried() {
        QueryCache cache = cache();
        // No round yet: the fill reads on the writer, and which position it saw is not known.
        assertThat(readAs(cache, null)).isEqualTo("version 1");
        assertThat(readAs(cache, new ConsistencyToken(50))).isEqualTo("version 2");
        assertThat(given.get(1)).contains(WRITER);
        // That load carried 50, so it saw that write, on whichever node it ran.
        assertThat(readAs(cache, new ConsistencyToken(50))).isEqualTo("version 2");
        assertThat(readAs(cache, new ConsistencyToken(60))).isEqualTo("version 3");
    }

    @Test
    void aWriterOnlyCallerReadsOnTheWriterAndLeavesTheEntryToOthers() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        assertThat(readAs(cache, null)).isEqualTo("version 1");
        assertThat(readAs(cache, WRITER)).isEqualTo("version 2");
        assertThat(readAs(cache, WRITER)).isEqualTo("version 3");
        assertThat(given.subList(1, 3)).containsOnly(Optional.of(WRITER));
        assertThat(readAs(cache, null)).isEqualTo("version 1");
    }

    @Test
    void aReadThatIsNotCachedCarriesTheCallersTokenAlone() {
        QueryCache cache = cache();
        rounds.end(rounds.start(), 100);
        cache.suspend(true);
        readAs(cache, new ConsistencyToken(70));
        assertThat(given).containsExactly(Optional.of(new ConsistencyToken(70)));
        cache.get(CacheKey.of("users.byId", "id", 1), Set.of("user:1"), new ConsistencyToken(80),
                token -> Mono.just(String.valueOf(token))).as(StepVerifier::create).expectNext("0/50").verifyComplete();
    }

    /** Probe rounds driven by the test: started, then ended with the writer's position. */
    private static final class Rounds implements WriterPositions {

        private final AtomicLong started = new AtomicLong();
        private final NavigableMap<Long, Long> positions = new ConcurrentSkipListMap<>();

        long start() {
            return started.incrementAndGet();
        }

        void end(long round, long lsn) {
            positions.put(round, lsn);
        }

        @Override
        public long roundsStarted() {
            return started.get();
        }

        @Override
        public ConsistencyToken after(long round) {
            Map.Entry<Long, Long> later = positions.higherEntry(round);
            return later == null ? ConsistencyToken.writerOnly() : new ConsistencyToken(later.getValue());
        }
    }
}
