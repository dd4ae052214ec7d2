package io.flowgres.web.demo;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.flowgres.BadRequestException;
import io.flowgres.Flowgres;
import io.flowgres.Query;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.paging.CursorCodec;
import io.flowgres.paging.Page;
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
    private static final String NEWEST = "newest";
    /** The cache tag of every list of pitches (browse pages, a user's pitches). */
    public static final String LIST_TAG = "pitches";

    private static final Query BY_ID = Query.named("pitches.byId");
    private static final Query BROWSE = Query.named("pitches.browse");
    private static final Query CREATE = Query.named("pitches.create");
    // A cache fill must see every committed write, so it reads on the primary (a replica may lag).
    private static final Query BY_ID_FILL = BY_ID.withRoute(Route.PRIMARY);
    private static final Query UPDATE = Query.named("pitches.update");
    private static final Query DELETE = Query.named("pitches.delete");

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
     * Finds one pitch, from the cache when {@code pitches.byId} is cached (filled on the primary),
     * else on a replica.
     *
     * @param id the pitch's id
     * @return the pitch, or empty
     */
    public Mono<Pitch> findById(long id) {
        if (!cache.isCached(BY_ID.name())) {
            return readById(BY_ID, id);
        }
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
     * Reads one page of pitches, newest first, with optional filters, by keyset: the next page
     * starts strictly after the previous page's last {@code (created_at, id)}, never by OFFSET.
     *
     * @param genre only this genre, if given
     * @param status only this status, if given
     * @param limit the page size
     * @param cursor where the previous page ended, if any
     * @return the page
     */
    public Mono<Page<Pitch>> browse(@Nullable Genre genre, @Nullable PitchStatus status, int limit,
            @Nullable String cursor) {
        List<String> conditions = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        if (genre != null) {
            values.add(genre.name().toLowerCase(Locale.ROOT));
            conditions.add("genre = $" + values.size());
        }
        if (status != null) {
            values.add(status.name().toLowerCase(Locale.ROOT));
            conditions.add("status = $" + values.size());
        }
        if (cursor != null) {
            List<String> keys = cursors.decode(cursor, NEWEST, 2);
            values.add(parseTimestamp(keys.get(0)));
            values.add(parseId(keys.get(1)));
            conditions.add("(created_at, id) < ($" + (values.size() - 1) + ", $" + values.size() + ")");
        }
        values.add(limit + 1);
        String sql = "SELECT " + COLUMNS + " FROM pitch"
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
                + " ORDER BY created_at DESC, id DESC LIMIT $" + values.size();
        return flowgres.read(BROWSE, connection -> {
                    Statement statement = connection.createStatement(sql);
                    for (int i = 0; i < values.size(); i++) {
                        statement.bind(i, values.get(i));
                    }
                    return rows(statement);
                })
                .collectList()
                .map(rows -> {
                    if (rows.size() <= limit) {
                        return new Page<>(rows, null);
                    }
                    List<Pitch> items = rows.subList(0, limit);
                    Pitch last = items.get(items.size() - 1);
                    return new Page<>(items,
                            cursors.encode(NEWEST, List.of(last.createdAt().toString(), Long.toString(last.id()))));
                });
    }

    /**
     * Creates a pitch on the primary, then invalidates its id (a miss may have been cached), its owner and
     * the lists.
     *
     * @param draft the validated input
     * @return the stored pitch, with its id and creation time
     */
    public Mono<Pitch> create(PitchDraft draft) {
        return cache.invalidateAfter(flowgres.write(CREATE, connection -> rows(connection.createStatement(
                                "INSERT INTO pitch (owner_id, title, logline, genre, format, production_stage, status) "
                                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING " + COLUMNS)
                        .bind("$1", draft.ownerId())
                        .bind("$2", draft.title())
                        .bind("$3", draft.logline())
                        .bind("$4", draft.genre().name().toLowerCase(Locale.ROOT))
                        .bind("$5", draft.format().name().toLowerCase(Locale.ROOT))
                        .bind("$6", draft.productionStage().name().toLowerCase(Locale.ROOT))
                        .bind("$7", draft.status().name().toLowerCase(Locale.ROOT))))
                .singleOrEmpty(), PitchRepository::tags);
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

    private static OffsetDateTime parseTimestamp(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw BadRequestException.forParameter(CursorCodec.PARAMETER, "cursor is malformed");
        }
    }

    private static long parseId(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw BadRequestException.forParameter(CursorCodec.PARAMETER, "cursor is malformed");
        }
    }
}
