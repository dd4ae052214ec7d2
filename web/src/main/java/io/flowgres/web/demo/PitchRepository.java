package io.flowgres.web.demo;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.flowgres.BadRequestException;
import io.flowgres.Committed;
import io.flowgres.Flowgres;
import io.flowgres.Query;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.paging.CursorCodec;
import io.flowgres.paging.Page;
import io.flowgres.paging.Sort;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The demo's data access: every statement binds its parameters, and every read and write goes
 * through the Flowgres facade under a stable query name.
 */
public final class PitchRepository {

    static final String COLUMNS = "id, owner_id, title, logline, genre, format, production_stage, status, "
            + "view_count, created_at";

    /** The cache tag of every list of pitches (browse pages, a user's pitches). */
    public static final String LIST_TAG = "pitches";

    private static final Query BY_ID = Query.named("pitches.byId");
    // A cache fill must see every committed write, so it reads on the primary (a replica may lag).
    private static final Query BY_ID_FILL = BY_ID.withRoute(Route.PRIMARY);
    private static final Query UPDATE = Query.named("pitches.update");
    private static final Query DELETE = Query.named("pitches.delete");
    private static final Query BROWSE = Query.named("pitches.browse");
    private static final Query EXPORT = Query.named("pitches.export").withTimeout(java.time.Duration.ofMinutes(30));
    private static final int EXPORT_FETCH_SIZE = 500;
    private static final Query CREATE = Query.named("pitches.create");

    private final Flowgres flowgres;
    private final CursorCodec cursors;
    private final QueryCache cache;

    /**
     * Creates the repository without a cache.
     *
     * @param flowgres the facade
     * @param cursors signs and checks browse cursors
     */
    public PitchRepository(Flowgres flowgres, CursorCodec cursors) {
        this(flowgres, cursors, QueryCache.builder().build());
    }

    /**
     * Creates the repository.
     *
     * @param flowgres the facade
     * @param cursors signs and checks browse cursors
     * @param cache caches {@code pitches.byId} when it has a policy for it, and hears every write's tags
     */
    public PitchRepository(Flowgres flowgres, CursorCodec cursors, QueryCache cache) {
        this.flowgres = flowgres;
        this.cursors = cursors;
        this.cache = cache;
    }

    /**
     * Finds one pitch.
     *
     * @param id the pitch's id
     * @return the pitch, or empty
     */
    public Mono<Pitch> findById(long id) {
        return findById(id, null);
    }

    /**
     * Finds one pitch, on a node that has seen the caller's write when a token is given.
     *
     * @param id the pitch's id
     * @param token the consistency token of the caller's last write, or {@code null}
     * @return the pitch, or empty
     */
    public Mono<Pitch> findById(long id, @Nullable ConsistencyToken token) {
        if (!cache.isCached(BY_ID.name())) {
            return readById(BY_ID.withConsistency(token), id);
        }
        // A cached value is filled on the primary and dropped at every write's commit, so it is at
        // least as fresh as any token.
        return cache.get(CacheKey.of(BY_ID.name(), "id", id), Set.of(pitchTag(id)), () -> readById(BY_ID_FILL, id));
    }

    private Mono<Pitch> readById(Query query, long id) {
        return flowgres.read(query, connection -> rows(connection
                        .createStatement("SELECT " + COLUMNS + " FROM pitch WHERE id = $1").bind("$1", id)))
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
        List<String> assignments = new ArrayList<>();
        for (String column : columns.keySet()) {
            assignments.add(column + " = $" + (assignments.size() + 1));
        }
        String sql = "UPDATE pitch SET " + String.join(", ", assignments) + " WHERE id = $"
                + (assignments.size() + 1) + " RETURNING " + COLUMNS;
        List<String> values = List.copyOf(columns.values());
        return cache.invalidateAfter(flowgres.write(UPDATE, connection -> {
                    Statement statement = connection.createStatement(sql);
                    for (int i = 0; i < values.size(); i++) {
                        statement.bind(i, values.get(i));
                    }
                    return rows(statement.bind(values.size(), id));
                }).singleOrEmpty(), PitchRepository::tags);
    }

    /**
     * Deletes one pitch, then invalidates what it touched.
     *
     * @param id the pitch's id
     * @return the deleted pitch, or empty when there was none
     */
    public Mono<Pitch> delete(long id) {
        return cache.invalidateAfter(flowgres.write(DELETE, connection -> rows(connection
                        .createStatement("DELETE FROM pitch WHERE id = $1 RETURNING " + COLUMNS).bind("$1", id)))
                .singleOrEmpty(), PitchRepository::tags);
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
        List<Object> values = new ArrayList<>();
        List<String> conditions = filter.where(values);
        if (cursor != null) {
            List<Object> after = sort.decode(cursors, cursor);
            conditions.add(sort.after(values.size() + 1));
            values.addAll(after);
        }
        values.add(limit + 1);
        String sql = select(conditions, sort) + " LIMIT $" + values.size();
        return flowgres.read(BROWSE, connection -> rows(bindAll(connection.createStatement(sql), values)))
                .collectList()
                .map(rows -> {
                    if (rows.size() <= limit) {
                        return new Page<>(rows, null);
                    }
                    List<Pitch> items = rows.subList(0, limit);
                    return new Page<>(items, sort.encode(cursors, PitchSorts.keysOf(sort, items.get(items.size() - 1))));
                });
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
        List<Object> values = new ArrayList<>();
        String sql = select(filter.where(values), sort);
        return flowgres.read(EXPORT, connection -> rows(bindAll(connection.createStatement(sql), values)
                .fetchSize(EXPORT_FETCH_SIZE)));
    }

    /**
     * The SQL of a browse: exposed for the query-plan tests.
     *
     * @param filter the filters
     * @param sort the sort
     * @param withCursor whether a cursor condition follows
     * @param values the bind values, appended to (cursor values are the caller's to add)
     * @return the statement
     */
    static String browseSql(PitchFilter filter, Sort sort, boolean withCursor, List<Object> values) {
        List<String> conditions = filter.where(values);
        if (withCursor) {
            conditions.add(sort.after(values.size() + 1));
        }
        return select(conditions, sort);
    }

    private static String select(List<String> conditions, Sort sort) {
        return "SELECT " + COLUMNS + " FROM pitch"
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions)) + " " + sort.orderBy();
    }

    private static Statement bindAll(Statement statement, List<Object> values) {
        for (int i = 0; i < values.size(); i++) {
            statement.bind(i, values.get(i));
        }
        return statement;
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
        return cache.invalidateAfter(flowgres.writeCommitted(CREATE, connection -> rows(connection.createStatement(
                                "INSERT INTO pitch (owner_id, title, logline, genre, format, production_stage, status) "
                                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING " + COLUMNS)
                        .bind("$1", draft.ownerId())
                        .bind("$2", draft.title())
                        .bind("$3", draft.logline())
                        .bind("$4", draft.genre().name().toLowerCase(Locale.ROOT))
                        .bind("$5", draft.format().name().toLowerCase(Locale.ROOT))
                        .bind("$6", draft.productionStage().name().toLowerCase(Locale.ROOT))
                        .bind("$7", draft.status().name().toLowerCase(Locale.ROOT)))),
                committed -> tags(committed.results().get(0)));
    }

    static Flux<Pitch> rows(Statement statement) {
        return Flux.from(statement.execute()).flatMap(result -> result.map(PitchRepository::map));
    }

    static Pitch map(Readable row) {
        return new Pitch(
                required(row.get("id", Long.class)),
                required(row.get("owner_id", Long.class)),
                required(row.get("title", String.class)),
                required(row.get("logline", String.class)),
                required(row.get("genre", String.class)),
                required(row.get("format", String.class)),
                required(row.get("production_stage", String.class)),
                required(row.get("status", String.class)),
                required(row.get("view_count", Long.class)),
                required(row.get("created_at", OffsetDateTime.class)));
    }

    private static <T> T required(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("a NOT NULL column was null");
        }
        return value;
    }
}
