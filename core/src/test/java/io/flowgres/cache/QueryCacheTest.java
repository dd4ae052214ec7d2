package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.query.OutcomeUnknownException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

final class QueryCacheTest {

    private static final String QUERY = "pitches.byId";
    private static final CacheKey KEY = CacheKey.of(QUERY, "id", 42);
    private static final Set<String> TAGS = Set.of("pitch:42", "pitches");

    private final AtomicLong nanos = new AtomicLong();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger loads = new AtomicInteger();

    private QueryCache cache(CachePolicy policy) {
        return QueryCache.builder().cache(QUERY, policy).ticker(nanos::get).executor(Runnable::run)
                .meterRegistry(registry).build();
    }

    private Mono<String> load(String value) {
        return Mono.fromSupplier(() -> {
            loads.incrementAndGet();
            return value;
        });
    }

    @Test
    void concurrentMissesShareOneLoad() {
        QueryCache cache = cache(CachePolicy.defaults());
        Sinks.One<String> database = Sinks.one();
        List<String> results = new CopyOnWriteArrayList<>();
        List<Disposable> readers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            readers.add(cache.get(KEY, TAGS, () -> {
                loads.incrementAndGet();
                return database.asMono();
            }).subscribe(results::add));
        }
        assertThat(loads).hasValue(1);
        database.tryEmitValue("loaded");
        assertThat(results).hasSize(100).containsOnly("loaded");
        cache.get(KEY, TAGS, () -> load("again")).as(StepVerifier::create).expectNext("loaded").verifyComplete();
        assertThat(loads).hasValue(1);
        assertThat(registry.get("cache.gets").tag("result", "miss").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cache.gets").tag("result", "hit").functionCounter().count()).isEqualTo(100);
        readers.forEach(Disposable::dispose);
    }

    @Test
    void failedLoadIsNotCachedAndTheNextCallerRetries() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.<String>get(KEY, TAGS, () -> Mono.error(new IllegalStateException("database down")))
                .as(StepVerifier::create).verifyErrorMessage("database down");
        cache.get(KEY, TAGS, () -> load("fresh")).as(StepVerifier::create).expectNext("fresh").verifyComplete();
        assertThat(loads).hasValue(1);
    }

    @Test
    void loaderThatThrowsFailsOnlyThatRead() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.<String>get(KEY, TAGS, () -> {
            throw new IllegalStateException("bug");
        }).as(StepVerifier::create).verifyErrorMessage("bug");
        cache.get(KEY, TAGS, () -> load("fresh")).as(StepVerifier::create).expectNext("fresh").verifyComplete();
    }

    @Test
    void emptyResultIsCached() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("x").then(Mono.<String>empty())).as(StepVerifier::create).verifyComplete();
        cache.get(KEY, TAGS, () -> load("x")).as(StepVerifier::create).verifyComplete();
        assertThat(loads).hasValue(1);
    }

    @Test
    void entryExpiresAfterTtlOnTheTicker() {
        QueryCache cache = cache(CachePolicy.builder().ttl(Duration.ofSeconds(10)).build());
        cache.get(KEY, TAGS, () -> load("first")).as(StepVerifier::create).expectNext("first").verifyComplete();
        nanos.addAndGet(Duration.ofSeconds(9).toNanos());
        cache.get(KEY, TAGS, () -> load("second")).as(StepVerifier::create).expectNext("first").verifyComplete();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        cache.get(KEY, TAGS, () -> load("second")).as(StepVerifier::create).expectNext("second").verifyComplete();
        assertThat(loads).hasValue(2);
    }

    @Test
    void sizeIsBoundedByEviction() {
        QueryCache cache = cache(CachePolicy.builder().maximumSize(10).build());
        for (int id = 0; id < 50; id++) {
            int current = id;
            cache.get(CacheKey.of(QUERY, "id", id), Set.of("pitch:" + id), () -> load("p" + current)).block();
        }
        assertThat(cache.estimatedSize(QUERY)).isLessThanOrEqualTo(10);
        assertThat(registry.get("cache.evictions").functionCounter().count()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void invalidatedTagForcesReload() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("old")).block();
        cache.invalidate(Set.of("pitch:42")).as(StepVerifier::create).verifyComplete();
        cache.get(KEY, TAGS, () -> load("new")).as(StepVerifier::create).expectNext("new").verifyComplete();
        CacheKey other = CacheKey.of(QUERY, "id", 7);
        cache.get(other, Set.of("pitch:7"), () -> load("seven")).block();
        cache.invalidate(Set.of("pitch:42")).block();
        cache.get(other, Set.of("pitch:7"), () -> load("changed")).as(StepVerifier::create).expectNext("seven")
                .verifyComplete();
    }

    @Test
    void loadThatRacedWithAWriteIsNotServedAfterIt() {
        QueryCache cache = cache(CachePolicy.defaults());
        Sinks.One<String> slowRead = Sinks.one();
        AtomicInteger reads = new AtomicInteger();
        List<String> early = new CopyOnWriteArrayList<>();
        Disposable reader = cache.get(KEY, TAGS, () -> reads.getAndIncrement() == 0 ? slowRead.asMono()
                : load("after write")).subscribe(early::add);
        // The write commits and invalidates while the read of the old row is still in flight.
        cache.invalidate(Set.of("pitch:42")).block();
        slowRead.tryEmitValue("before write");
        assertThat(early).containsExactly("after write");
        assertThat(registry.get("flowgres.cache.stale").counter().count()).isEqualTo(1);
        cache.get(KEY, TAGS, () -> load("unused")).as(StepVerifier::create).expectNext("after write")
                .verifyComplete();
        assertThat(loads).hasValue(1);
        reader.dispose();
    }

    @Test
    void cancellingOneReaderDoesNotCancelTheSharedLoad() {
        QueryCache cache = cache(CachePolicy.defaults());
        Sinks.One<String> database = Sinks.one();
        Disposable first = cache.get(KEY, TAGS, database::asMono).subscribe();
        List<String> second = new CopyOnWriteArrayList<>();
        cache.get(KEY, TAGS, () -> load("unused")).subscribe(second::add);
        first.dispose();
        database.tryEmitValue("shared");
        assertThat(second).containsExactly("shared");
        assertThat(loads).hasValue(0);
    }

    @Test
    void invalidateAfterDropsTagsOnlyWhenTheWriteSucceeds() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("v1")).block();
        cache.invalidateAfter(Mono.<String>error(new IllegalStateException("rolled back")), Set.of("pitch:42"))
                .as(StepVerifier::create).verifyErrorMessage("rolled back");
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v1").verifyComplete();
        cache.invalidateAfter(Mono.just("ok"), Set.of("pitch:42")).as(StepVerifier::create).expectNext("ok")
                .verifyComplete();
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v2").verifyComplete();
    }

    @Test
    void invalidateAfterTakesTagsFromTheResult() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("v1")).block();
        cache.invalidateAfter(Mono.just(42L), id -> Set.of("pitch:" + id)).as(StepVerifier::create).expectNext(42L)
                .verifyComplete();
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v2").verifyComplete();
    }

    @Test
    void emptyWriteInvalidatesDeclaredTags() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("v1")).block();
        cache.invalidateAfter(Mono.<String>empty(), Set.of("pitches")).as(StepVerifier::create).verifyComplete();
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v2").verifyComplete();
    }

    @Test
    void writeWithUnknownOutcomeInvalidatesBecauseItMayHaveCommitted() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("v1")).block();
        OutcomeUnknownException unknown = new OutcomeUnknownException("connection lost during COMMIT", QUERY, "primary", null);
        cache.invalidateAfter(Mono.<String>error(unknown), Set.of("pitch:42")).as(StepVerifier::create)
                .verifyErrorMatches(error -> error == unknown);
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v2").verifyComplete();
    }

    @Test
    void invalidationIsBroadcastAndABroadcastFailureIsOnlyCounted() {
        List<Set<String>> sent = new CopyOnWriteArrayList<>();
        QueryCache cache = QueryCache.builder().cache(QUERY, CachePolicy.defaults()).meterRegistry(registry)
                .broadcaster(tags -> Mono.fromRunnable(() -> sent.add(tags))).build();
        cache.invalidate(List.of("pitch:1", "pitches", "pitch:1")).as(StepVerifier::create).verifyComplete();
        assertThat(sent).containsExactly(Set.of("pitch:1", "pitches"));

        QueryCache failing = QueryCache.builder().cache(QUERY, CachePolicy.defaults()).meterRegistry(registry)
                .broadcaster(tags -> Mono.error(new IllegalStateException("primary down"))).build();
        failing.invalidate(Set.of("pitch:1")).as(StepVerifier::create).verifyComplete();
        assertThat(registry.get("flowgres.cache.broadcast.failures").counter().count()).isEqualTo(1);
    }

    @Test
    void queriesWithoutAnEnabledPolicyAreNeverCached() {
        QueryCache cache = QueryCache.builder().cache("off", CachePolicy.builder().enabled(false).build()).build();
        for (String query : List.of("off", "unknown")) {
            CacheKey key = CacheKey.of(query);
            cache.get(key, Set.of(), () -> load("a")).block();
            cache.get(key, Set.of(), () -> load("b")).block();
        }
        assertThat(loads).hasValue(4);
        assertThat(cache.isCached("off")).isFalse();
        assertThat(cache.queries()).isEmpty();
    }

    @Test
    void suspendedCacheIsBypassedAndResumesEmpty() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, TAGS, () -> load("v1")).block();
        cache.suspend(true);
        assertThat(cache.isCoherent()).isFalse();
        cache.get(KEY, TAGS, () -> load("v2")).as(StepVerifier::create).expectNext("v2").verifyComplete();
        cache.resume();
        cache.get(KEY, TAGS, () -> load("v3")).as(StepVerifier::create).expectNext("v3").verifyComplete();
        cache.get(KEY, TAGS, () -> load("v4")).as(StepVerifier::create).expectNext("v3").verifyComplete();
        assertThat(registry.get("flowgres.cache.bypassed").counter().count()).isEqualTo(1);
        assertThat(registry.get("flowgres.cache.coherent").gauge().value()).isEqualTo(1);
    }

    @Test
    void clearDropsOneQueryOrAll() {
        QueryCache cache = QueryCache.builder().cache("a", CachePolicy.defaults()).cache("b", CachePolicy.defaults())
                .executor(Runnable::run).build();
        cache.get(CacheKey.of("a"), Set.of(), () -> load("a1")).block();
        cache.get(CacheKey.of("b"), Set.of(), () -> load("b1")).block();
        cache.clear("a");
        cache.get(CacheKey.of("a"), Set.of(), () -> load("a2")).as(StepVerifier::create).expectNext("a2").verifyComplete();
        cache.get(CacheKey.of("b"), Set.of(), () -> load("b2")).as(StepVerifier::create).expectNext("b1").verifyComplete();
        cache.clearAll();
        cache.get(CacheKey.of("b"), Set.of(), () -> load("b3")).as(StepVerifier::create).expectNext("b3").verifyComplete();
        assertThatIllegalArgumentException().isThrownBy(() -> cache.clear("c"))
                .withMessage("query must be one of the cached queries [a, b], was 'c'");
    }

    @Test
    void rejectsInvalidTagsAndDuplicatePolicies() {
        QueryCache cache = cache(CachePolicy.defaults());
        cache.get(KEY, Set.of("pitch 42"), () -> load("x")).as(StepVerifier::create)
                .verifyErrorSatisfies(error -> assertThat(error).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("tag must be non-blank, without whitespace, at most 200 characters, was 'pitch 42'"));
        assertThatIllegalArgumentException().isThrownBy(() -> cache.invalidateLocally(Set.of("")))
                .withMessage("tag must be non-blank, without whitespace, at most 200 characters, was ''");
        assertThatIllegalStateException()
                .isThrownBy(() -> QueryCache.builder().cache("a", CachePolicy.defaults()).cache("a", CachePolicy.defaults()))
                .withMessage("query 'a' already has a cache policy");
    }
}
