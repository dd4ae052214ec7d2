package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.flowgres.Flowgres;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.query.Committed;
import io.flowgres.query.Once;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.paging.KeysetBrowser;
import io.flowgres.web.paging.Page;
import io.flowgres.web.paging.Sort;
import io.flowgres.web.r2dbc.DatabaseClientStatements;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's data access: Spring Data R2DBC and {@code DatabaseClient} code (all but the hot read by
 * id, which stays on the R2DBC SPI) run inside Flowgres operations ({@link io.flowgres.web.r2dbc.LentConnections}), keyset pages and exports too
 * ({@link DatabaseClientStatements}), so each read and write has a stable query name, its node
 * selection, deadline, hedging, retries and write safety; every statement binds its parameters. The
 * query cache sits in front of reads by id, and every write tells it, inside its own transaction,
 * what it touched.
 */
public final class PitchStore {

    /** A pitch's columns, in the order {@link #map} reads them by position. */
    static final String COLUMNS = "id, owner_id, title, logline, genre, format, production_stage, status, "
            + "view_count, created_at";

    /** The cache tag of every list of pitches (browse pages, a user's pitches). */
    public static final String LIST_TAG = "pitches";

    private static final Query BY_ID = Query.named("pitches.byId");
    private static final Query UPDATE = Query.named("pitches.update");
    private static final Query DELETE = Query.named("pitches.delete");
    private static final Query CREATE = Query.named("pitches.create");
    private static final Query CREATE_ONCE = Query.named("pitches.createOnce");
    /** How long an idempotency key and its response are kept: a day, as the IETF draft suggests. */
    private static final java.time.Duration IDEMPOTENCY_KEEP = java.time.Duration.ofHours(24);
    private static final Query CREATE_BATCH = Query.named("pitches.createBatch");
    private static final Query CREATE_BATCH_ONCE = Query.named("pitches.createBatchOnce");
    private static final Query UPDATE_ONCE = Query.named("pitches.updateOnce");
    // On the primary: a user created a moment ago must not look missing because a replica lags.
    private static final Query EXISTING_OWNERS = Query.named("pitches.existingOwners").withRoute(Route.PRIMARY);
    /** The SQLSTATE of a foreign-key violation: a pitch names an owner that does not exist. */
    static final String FOREIGN_KEY_VIOLATION = "23503";

    private final Flowgres flowgres;
    private final SpringData spring;
    private final KeysetBrowser<Pitch> browser;
    private final QueryCache cache;
    private final JsonMapper json;

    /**
     * Creates the store.
     *
     * @param flowgres the facade
     * @param spring the Spring Data R2DBC pieces its operations run
     * @param cursors signs and checks browse cursors
     * @param cache caches {@code pitches.byId} when it has a policy for it, and hears every write's tags
     * @param json the application's JSON mapper, which encodes the pitches read by id
     */
    public PitchStore(Flowgres flowgres, SpringData spring, CursorCodec cursors, QueryCache cache, JsonMapper json) {
        this.flowgres = flowgres;
        this.spring = spring;
        this.browser = KeysetBrowser.builder(flowgres, cursors, "pitches", "pitch", COLUMNS, PitchStore::map)
                .sort(PitchSorts.NEWEST).sort(PitchSorts.MOST_VIEWED).sort(PitchSorts.TITLE)
                .statements(new DatabaseClientStatements(spring.lent(), spring.client()))
                .build();
        this.cache = cache;
        this.json = json;
    }

    /**
     * One pitch as the API's JSON ({@code GET /api/pitches/{id}}), on a node that has seen the
     * caller's write when a token is given. When {@code pitches.byId} is cached, the encoded body is
     * what the cache holds, so a hit costs neither the database nor JSON encoding (issue #16); the
     * bytes are what the application's {@code JsonMapper}, the one WebFlux encodes responses with,
     * makes of the pitch.
     *
     * @param id the pitch's id
     * @param token the consistency token of the caller's last write, or {@code null}
     * @return the pitch's JSON, or empty when there is none with that id
     */
    public Mono<byte[]> findJsonById(long id, @Nullable ConsistencyToken token) {
        // Not cached (the benchmarks' setting): what cache.get would do too, without its key, tags and checks.
        if (!cache.isCached(BY_ID.name())) {
            return readById(BY_ID.withConsistency(token), id).map(json::writeValueAsBytes);
        }
        // A cached value is dropped at every write's commit and filled where every write the cache was
        // told of is; a caller with a token is served it only when its load saw that token's write (a
        // write through another instance, whose invalidation may still be on its way), else it loads again.
        return cache.get(CacheKey.of(BY_ID.name(), "id", id), Set.of(pitchTag(id)), token,
                consistency -> readById(BY_ID.withConsistency(consistency), id).map(json::writeValueAsBytes));
    }

    private Mono<Pitch> readById(Query query, long id) {
        // The service's hottest read stays on the bare SPI: through the repository (findById, or a declared
        // query) the same read cost 0.6x (0.3x) more of a plain WebFlux service's CPU per request
        // (load-tests/README.md, the overhead benchmark of 2026-12-04).
        return flowgres.read(query, connection -> Flux.from(connection
                        .createStatement("SELECT " + COLUMNS + " FROM pitch WHERE id = $1").bind(0, id).execute())
                        .flatMap(result -> result.map(PitchStore::map)))
                .singleOrEmpty();
    }


    /**
     * Changes some columns of one pitch, then invalidates what it touched.
     *
     * @param id the pitch's id
     * @param columns the new values by column name, from {@link PitchPatch#validate()}
     * @return the changed pitch, or empty when there is none with that id
     */
    public Mono<Pitch> update(long id, Map<String, String> columns) {
        return updateCommitted(id, columns).flatMap(PitchStore::single);
    }

    /**
     * Changes some columns of one pitch, then invalidates what it touched; returns the pitch with the
     * consistency token of the commit.
     *
     * @param id the pitch's id
     * @param columns the new values by column name, from {@link PitchPatch#validate()}
     * @return the changed pitch (none when there is no pitch with that id) and the token
     */
    public Mono<Committed<Pitch>> updateCommitted(long id, Map<String, String> columns) {
        return cache.invalidateWithin(work -> flowgres.transactionCommitted(UPDATE, work),
                spring.lent().run(() -> spring.writes().update(id, columns)), PitchStore::batchTags);
    }

    /**
     * Changes some columns of one pitch at most once per idempotency key ({@code Flowgres.writeOnce}),
     * as {@link #updateCommitted} does; a repeat replays the stored response, also when there was no
     * such pitch.
     *
     * @param key the client's idempotency key
     * @param fingerprint what identifies the request; a key seen with another one is refused
     * @param id the pitch's id
     * @param columns the new values by column name, from {@link PitchPatch#validate()}
     * @param encode how the changed pitches (none or one) are stored: the response the client gets, every time
     * @return the stored response, whether it was replayed, and a token that sees the write
     */
    public Mono<Once> updateOnce(String key, String fingerprint, long id, Map<String, String> columns,
            Function<List<Pitch>, String> encode) {
        return once(UPDATE_ONCE, key, fingerprint, () -> spring.writes().update(id, columns), encode);
    }

    /**
     * Deletes one pitch, then invalidates what it touched.
     *
     * @param id the pitch's id
     * @return the deleted pitch, or empty when there was none
     */
    public Mono<Pitch> delete(long id) {
        return deleteCommitted(id).flatMap(PitchStore::single);
    }

    /**
     * Deletes one pitch, then invalidates what it touched; returns it with the consistency token of
     * the commit.
     *
     * @param id the pitch's id
     * @return the deleted pitch (none when there was none) and the token
     */
    public Mono<Committed<Pitch>> deleteCommitted(long id) {
        return cache.invalidateWithin(work -> flowgres.transactionCommitted(DELETE, work),
                spring.lent().run(() -> spring.writes().delete(id)),
                PitchStore::batchTags);
    }

    private static Mono<Pitch> single(Committed<Pitch> committed) {
        return Mono.justOrEmpty(committed.results().stream().findFirst());
    }

    /**
     * The cache tag of one pitch.
     *
     * @param id the pitch's id
     * @return {@code pitch:<id>}
     */
    public static String pitchTag(long id) {
        return "pitch:" + id;
    }

    /**
     * The cache tag of one user's data (their profile and pitch list).
     *
     * @param id the user's id
     * @return {@code user:<id>}
     */
    public static String userTag(long id) {
        return "user:" + id;
    }

    /** What a write of this pitch touches: the pitch, its owner's data, and every list of pitches. */
    static Set<String> tags(Pitch pitch) {
        return Set.of(pitchTag(pitch.id()), userTag(pitch.ownerId()), LIST_TAG);
    }

    /**
     * Reads one page of pitches by keyset: the next page starts strictly after the previous page's
     * last row in the sort's key order, never by OFFSET, so a page costs the same at any depth.
     *
     * @param filter the filters
     * @param sort the whitelisted sort
     * @param limit the page size
     * @param cursor where the previous page ended, if any
     * @return the page
     */
    public Mono<Page<Pitch>> browse(PitchFilter filter, Sort sort, int limit, @Nullable String cursor) {
        return browse(filter, sort, limit, cursor, null);
    }

    /**
     * Reads one page of pitches by keyset, on a node that has seen the caller's write when a token is
     * given.
     *
     * @param filter the filters
     * @param sort the whitelisted sort
     * @param limit the page size
     * @param cursor where the previous page ended, if any
     * @param token the consistency token of the caller's last write, or {@code null}
     * @return the page
     */
    public Mono<Page<Pitch>> browse(PitchFilter filter, Sort sort, int limit, @Nullable String cursor,
            @Nullable ConsistencyToken token) {
        return browser.page(filter, sort, limit, cursor, token);
    }

    /**
     * Streams every matching pitch in sort order through a server-side cursor ({@code fetchSize}),
     * with backpressure: the database is read as fast as the consumer takes rows, never faster, so
     * memory stays flat whatever the result size; cancelling stops the query and frees the connection.
     *
     * @param filter the filters
     * @param sort the sort
     * @return the rows
     */
    public Flux<Pitch> export(PitchFilter filter, Sort sort) {
        return export(filter, sort, null);
    }

    /**
     * Streams every matching pitch like {@link #export(PitchFilter, Sort)}, on a node that has seen the
     * caller's write when a token is given.
     *
     * @param filter the filters
     * @param sort the sort
     * @param token the consistency token of the caller's last write, or {@code null}
     * @return the rows
     */
    public Flux<Pitch> export(PitchFilter filter, Sort sort, @Nullable ConsistencyToken token) {
        return browser.export(filter, sort, token);
    }

    /**
     * Creates a pitch on the primary.
     *
     * @param draft the validated input
     * @return the stored pitch, with its id and creation time
     */
    public Mono<Pitch> create(PitchDraft draft) {
        return createCommitted(draft).map(committed -> committed.results().get(0));
    }

    /**
     * Creates a pitch on the primary and returns it with the consistency token of the commit; then
     * invalidates its id (a miss may have been cached), its owner and the lists.
     *
     * @param draft the validated input
     * @return the stored pitch and the token
     */
    public Mono<Committed<Pitch>> createCommitted(PitchDraft draft) {
        return cache.invalidateWithin(work -> flowgres.transactionCommitted(CREATE, work),
                spring.lent().run(() -> spring.writes().create(draft)), PitchStore::batchTags);
    }

    /**
     * Creates a pitch at most once per idempotency key ({@code Flowgres.writeOnce}): the first call
     * writes and stores the encoded pitch beside the key, in one transaction; a repeat replays it.
     * Invalidates like {@link #createCommitted} when it wrote.
     *
     * @param key the client's idempotency key
     * @param fingerprint what identifies the request; a key seen with another one is refused
     * @param draft the validated input
     * @param encode how the created pitch is stored (the response body the client gets, every time)
     * @return the stored response, whether it was replayed, and a token that sees the write
     */
    public Mono<Once> createOnce(String key, String fingerprint, PitchDraft draft, Function<Pitch, String> encode) {
        return once(CREATE_ONCE, key, fingerprint, () -> spring.writes().create(draft),
                created -> encode.apply(created.get(0)));
    }

    /**
     * Runs a write at most once per key, storing its encoded response beside the key in its own
     * transaction, and tells the other instances what it touched inside that transaction; a replay
     * touches nothing.
     */
    private Mono<Once> once(Query query, String key, String fingerprint, Supplier<Flux<Pitch>> write,
            Function<List<Pitch>, String> encode) {
        return Mono.defer(() -> {
            // The work may run more than once (a transaction re-run); the last run is the one that committed.
            AtomicReference<List<Pitch>> written = new AtomicReference<>(List.of());
            return cache.invalidateWithin(work -> flowgres.writeOnce(query, key, fingerprint, IDEMPOTENCY_KEEP,
                            connection -> Flux.from(work.apply(connection)).single()),
                    spring.lent().run(() -> write.get().collectList().doOnNext(written::set).map(encode)),
                    encoded -> batchTags(written.get()));
        });
    }

    /**
     * Creates many pitches on the primary with one multi-row statement, all or none: one statement is
     * atomic, so a single bad row (an unknown owner) fails the batch and stores nothing. Invalidates,
     * as {@link #createCommitted} does for one pitch, every new id, every owner and the lists. Runs as
     * a transaction: re-run only when it was rolled back, never once {@code COMMIT} may have applied it.
     *
     * @param drafts the validated input, in order
     * @return the stored pitches in the order of {@code drafts}, and the token of the commit
     */
    public Mono<Committed<Pitch>> createAllCommitted(List<PitchDraft> drafts) {
        return cache.invalidateWithin(work -> flowgres.transactionCommitted(CREATE_BATCH, work),
                        spring.lent().run(() -> spring.writes().createAll(drafts)), PitchStore::batchTags)
                .map(committed -> new Committed<>(inInputOrder(committed.results()), committed.token()));
    }

    /**
     * Creates many pitches at most once per idempotency key ({@code Flowgres.writeOnce}), all or none,
     * as {@link #createAllCommitted} does; a repeat replays the stored response.
     *
     * @param key the client's idempotency key
     * @param fingerprint what identifies the request; a key seen with another one is refused
     * @param drafts the validated input, in order
     * @param encode how the stored pitches, in the order of {@code drafts}, are stored: the response
     *        the client gets, every time
     * @return the stored response, whether it was replayed, and a token that sees the write
     */
    public Mono<Once> createAllOnce(String key, String fingerprint, List<PitchDraft> drafts,
            Function<List<Pitch>, String> encode) {
        return once(CREATE_BATCH_ONCE, key, fingerprint, () -> spring.writes().createAll(drafts),
                created -> encode.apply(inInputOrder(created)));
    }

    // PostgreSQL promises no order for RETURNING; the identity values were drawn in input order, so the
    // ids give it back.
    private static List<Pitch> inInputOrder(List<Pitch> created) {
        List<Pitch> sorted = new ArrayList<>(created);
        sorted.sort(Comparator.comparingLong(Pitch::id));
        return sorted;
    }

    /** What a batch touches: each pitch, each owner's data (once), and every list of pitches. */
    static Set<String> batchTags(Collection<Pitch> created) {
        Set<String> tags = new HashSet<>();
        for (Pitch pitch : created) {
            tags.addAll(tags(pitch));
        }
        return tags;
    }

    /**
     * Which of some user ids exist, read on the primary. Used after a batch failed on its foreign key,
     * to name the item whose owner is unknown; a round trip on that error path only.
     *
     * @param ids the user ids
     * @return those that exist
     */
    public Mono<Set<Long>> existingOwners(Collection<Long> ids) {
        Long[] values = ids.toArray(Long[]::new);
        return flowgres.read(EXISTING_OWNERS, spring.lent().run(() -> spring.client()
                        .sql("SELECT id FROM app_user WHERE id = ANY($1::bigint[])").bind(0, values)
                        .map(row -> required(row.get("id", Long.class))).all()))
                .collect(Collectors.toSet());
    }

    /**
     * Copies one row of {@link #COLUMNS} out of the driver's row, for statements whose rows Spring
     * Data does not map ({@code RETURNING}, keyset pages), each of which selects {@link #COLUMNS} first.
     * By position: the driver finds a column by name by comparing it, ignoring case, with each column
     * before it, ten columns on every row of the service's hottest reads.
     */
    static Pitch map(Readable row) {
        return new Pitch(
                required(row.get(0, Long.class)),
                required(row.get(1, Long.class)),
                required(row.get(2, String.class)),
                required(row.get(3, String.class)),
                required(row.get(4, String.class)),
                required(row.get(5, String.class)),
                required(row.get(6, String.class)),
                required(row.get(7, String.class)),
                required(row.get(8, Long.class)),
                required(row.get(9, OffsetDateTime.class)));
    }

    private static <T> T required(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("a NOT NULL column was null");
        }
        return value;
    }
}
