package io.flowgres.web.paging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.problem.ProblemStreams;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Paged browse and streaming export of one table of the application's, on replicas: keyset pages
 * (the next page starts strictly after the previous page's last row in a whitelisted sort's key order,
 * never by {@code OFFSET}, so a page costs the same at any depth) with signed cursors, and an export
 * of every row through a server-side cursor whose rows the database produces only as fast as the
 * client reads them. The application names its table, columns, row mapper and sorts:
 *
 * <pre>
 * KeysetBrowser&lt;Item&gt; items = KeysetBrowser.builder(flowgres, cursors, "items", "item",
 *                 "id, name, price_cents, created_at", Item::from)
 *         .sort(new Sort("newest", List.of(SortKey.desc("created_at", TIMESTAMP), SortKey.desc("id", LONG))))
 *         .build();
 * routes.GET("/items", items::page).GET("/items/export", items::export);
 * </pre>
 *
 * The HTTP methods read {@code sort}, {@code limit} and {@code cursor}; a bad value is a 400 naming
 * it (through {@link io.flowgres.web.problem.ProblemResponses}); an export failing before its first
 * row is a problem response, one failing later ends the stream with an error line ({@link ProblemStreams}).
 * Queries are named {@code <name>.browse} and {@code <name>.export}, for metrics and slow-query reports.
 * Thread-safe.
 *
 * @param <T> the row type
 */
public final class KeysetBrowser<T> {

    /** The default page size. */
    public static final int DEFAULT_LIMIT = 20;
    /** The largest page size by default. */
    public static final int DEFAULT_MAX_LIMIT = 100;

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");
    private static final int EXPORT_FETCH_SIZE = 500;

    /** The filter of a browse or export: conditions whose values are bound, never concatenated. */
    @FunctionalInterface
    public interface Filter {

        /** No condition: every row. */
        Filter NONE = values -> new ArrayList<>();

        /**
         * The conditions, referring to their values as {@code $n} by position.
         *
         * @param values the statement's bind values so far, appended to
         * @return the conditions, joined with {@code AND}
         */
        List<String> where(List<Object> values);
    }

    private final Flowgres flowgres;
    private final CursorCodec cursors;
    private final String select;
    private final Function<? super Readable, ? extends T> mapper;
    private final Map<String, Sort> sorts;
    private final Sort defaultSort;
    private final int defaultLimit;
    private final int maxLimit;
    private final Query browse;
    private final Query export;
    private final @Nullable ExportLimiter exports;
    private final BrowseStatements statements;

    private KeysetBrowser(Builder<T> builder) {
        this.flowgres = builder.flowgres;
        this.cursors = builder.cursors;
        this.select = "SELECT " + builder.columns + " FROM " + builder.table;
        this.mapper = builder.mapper;
        this.sorts = Map.copyOf(builder.sorts);
        this.defaultSort = builder.sorts.values().iterator().next();
        this.defaultLimit = builder.defaultLimit;
        this.maxLimit = builder.maxLimit;
        this.browse = Query.named(builder.name + ".browse");
        this.export = Query.named(builder.name + ".export").withTimeout(builder.exportTimeout).streaming();
        this.exports = builder.exportLimit == 0 ? null : new ExportLimiter(builder.exportLimit);
        this.statements = builder.statements;
    }

    /**
     * Starts a browser of one table.
     *
     * @param flowgres the facade the reads go through
     * @param cursors signs and checks the cursors
     * @param name the queries' name prefix, e.g. {@code items}
     * @param table the table (or {@code schema.table}), a plain lower-case identifier
     * @param columns the selected columns, plain lower-case identifiers separated by commas; every sort
     *        key's column must be among them
     * @param mapper maps a row to the application's type
     * @param <T> the row type
     * @return the builder; add at least one sort
     */
    public static <T> Builder<T> builder(Flowgres flowgres, CursorCodec cursors, String name, String table,
            String columns, Function<? super Readable, ? extends T> mapper) {
        return new Builder<>(flowgres, cursors, name, table, columns, mapper);
    }

    /**
     * The whitelisted sort of that name.
     *
     * @param name the sort's name, or {@code null} or empty for the first sort added
     * @return the sort
     * @throws BadRequestException naming {@code sort} when there is no such sort
     */
    public Sort sort(@Nullable String name) {
        if (name == null || name.isEmpty()) {
            return defaultSort;
        }
        Sort sort = sorts.get(name);
        if (sort == null) {
            throw BadRequestException.forParameter("sort", "sort must be one of " + String.join(", ",
                    sorts.keySet().stream().sorted().toList()) + ", was '" + BadRequestException.echo(name) + "'");
        }
        return sort;
    }

    /**
     * Reads one page.
     *
     * @param filter the conditions
     * @param sort a sort of this browser's
     * @param limit the page size
     * @param cursor where the previous page ended, if any
     * @param token the caller's last write, to be seen by the read, or {@code null}
     * @return the page, with the cursor of the next one when there is more; a
     *         {@link BadRequestException} naming {@code cursor} when the cursor is bad or of another sort
     */
    public Mono<Page<T>> page(Filter filter, Sort sort, int limit, @Nullable String cursor,
            @Nullable ConsistencyToken token) {
        return Mono.defer(() -> {
            List<Object> values = new ArrayList<>();
            List<String> conditions = filter.where(values);
            if (cursor != null) {
                List<Object> after = after(sort, cursor);
                conditions.add(sort.after(values.size() + 1));
                values.addAll(after);
            }
            values.add(limit + 1);
            String sql = sql(conditions, sort) + " LIMIT $" + values.size();
            return flowgres.read(browse.withConsistency(token), connection -> statements.rows(connection, sql,
                            values, 0, row -> new Keyed<T>(mapper.apply(row), keys(sort, row))))
                    .collectList()
                    .map(rows -> {
                        List<T> items = rows.stream().limit(limit).<T>map(Keyed::item).toList();
                        return rows.size() <= limit ? new Page<>(items, null)
                                : new Page<>(items, sort.encode(cursors, rows.get(limit - 1).keys()));
                    });
        });
    }

    /**
     * Streams every matching row in sort order through a server-side cursor, with backpressure;
     * cancelling stops the query and frees its connection. Under the export limit, when one is set.
     *
     * @param filter the conditions
     * @param sort a sort of this browser's
     * @param token the caller's last write, to be seen by the read, or {@code null}
     * @return the rows
     */
    public Flux<T> export(Filter filter, Sort sort, @Nullable ConsistencyToken token) {
        Flux<T> rows = Flux.defer(() -> {
            List<Object> values = new ArrayList<>();
            String sql = sql(filter.where(values), sort);
            return flowgres.read(export.withConsistency(token),
                    connection -> statements.<T>rows(connection, sql, values, EXPORT_FETCH_SIZE, mapper));
        });
        return exports == null ? rows : exports.limit(rows);
    }

    /**
     * {@code GET ...?sort=&limit=&cursor=}: one page as {@code {items, nextCursor}}, unfiltered.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> page(ServerRequest request) {
        return page(request, Filter.NONE, null);
    }

    /**
     * One page as {@code {items, nextCursor}}, with the application's filter and consistency token.
     *
     * @param request the request, with {@code sort}, {@code limit} and {@code cursor}
     * @param filter the conditions
     * @param token the caller's last write, or {@code null}
     * @return the response
     */
    public Mono<ServerResponse> page(ServerRequest request, Filter filter, @Nullable ConsistencyToken token) {
        return Mono.defer(() -> {
            Sort sort = sort(request.queryParam("sort").orElse(null));
            int limit = limit(request.queryParam("limit").orElse(null));
            String cursor = request.queryParam(CursorCodec.PARAMETER).filter(value -> !value.isEmpty()).orElse(null);
            return page(filter, sort, limit, cursor, token).flatMap(page -> ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(page));
        });
    }

    /**
     * {@code GET .../export?sort=}: every row, unfiltered, as NDJSON or server-sent events.
     *
     * @param request the request
     * @return the stream
     */
    public Mono<ServerResponse> export(ServerRequest request) {
        return export(request, Filter.NONE, null);
    }

    /**
     * Every matching row as NDJSON ({@code application/x-ndjson}, the default) or, with
     * {@code Accept: text/event-stream}, as server-sent events.
     *
     * @param request the request, with {@code sort}
     * @param filter the conditions
     * @param token the caller's last write, or {@code null}
     * @return the stream
     */
    public Mono<ServerResponse> export(ServerRequest request, Filter filter, @Nullable ConsistencyToken token) {
        return Mono.defer(() -> {
            Flux<T> rows = export(filter, sort(request.queryParam("sort").orElse(null)), token);
            boolean events = request.headers().accept().stream()
                    .anyMatch(type -> type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM) && !type.isWildcardType());
            return events
                    ? ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(ProblemStreams.events(rows))
                    : ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON).body(ProblemStreams.ndjson(rows));
        });
    }

    /**
     * The statement of a browse or export, for query-plan tests.
     *
     * @param filter the conditions
     * @param sort the sort
     * @param withCursor whether the cursor's condition follows
     * @param values the bind values, appended to (the cursor's are the caller's to add)
     * @return the SQL, without {@code LIMIT}
     */
    public String sql(Filter filter, Sort sort, boolean withCursor, List<Object> values) {
        List<String> conditions = filter.where(values);
        if (withCursor) {
            conditions.add(sort.after(values.size() + 1));
        }
        return sql(conditions, sort);
    }

    private String sql(List<String> conditions, Sort sort) {
        return select + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions)) + " "
                + sort.orderBy();
    }

    /** The cursor's key values; a bad cursor is the caller's input: a 400 naming {@code cursor}. */
    private List<Object> after(Sort sort, String cursor) {
        try {
            return sort.decode(cursors, cursor);
        } catch (InvalidCursorException e) {
            throw new BadRequestException(String.valueOf(e.getMessage()), CursorCodec.PARAMETER, e);
        }
    }

    private int limit(@Nullable String raw) {
        if (raw == null || raw.isEmpty()) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= maxLimit) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below, like an out-of-range value
        }
        throw BadRequestException.forParameter("limit", "limit must be an integer from 1 to " + maxLimit + ", was '"
                + BadRequestException.echo(raw) + "'");
    }

    private static List<Object> keys(Sort sort, Readable row) {
        List<Object> keys = new ArrayList<>(sort.keys().size());
        for (SortKey key : sort.keys()) {
            Object value = row.get(key.column(), key.type().javaType());
            if (value == null) {
                throw new IllegalStateException("sort key " + key.column() + " is null in a row: keyset paging "
                        + "needs non-null sort keys");
            }
            keys.add(value);
        }
        return keys;
    }

    /** A row and its sort-key values, which the next page's cursor is made of. */
    private record Keyed<T>(T item, List<Object> keys) {
    }

    /**
     * Builds a {@link KeysetBrowser}.
     *
     * @param <T> the row type
     */
    public static final class Builder<T> {

        private final Flowgres flowgres;
        private final CursorCodec cursors;
        private final String name;
        private final String table;
        private final String columns;
        private final Set<String> columnNames;
        private final Function<? super Readable, ? extends T> mapper;
        private final Map<String, Sort> sorts = new LinkedHashMap<>();
        private int defaultLimit = DEFAULT_LIMIT;
        private int maxLimit = DEFAULT_MAX_LIMIT;
        private int exportLimit;
        private Duration exportTimeout = Duration.ofMinutes(30);
        private BrowseStatements statements = BrowseStatements.SPI;

        private Builder(Flowgres flowgres, CursorCodec cursors, String name, String table, String columns,
                Function<? super Readable, ? extends T> mapper) {
            this.flowgres = flowgres;
            this.cursors = cursors;
            this.name = name;
            this.mapper = mapper;
            if (!IDENTIFIER.matcher(table).matches()) {
                throw new IllegalArgumentException("table must be a plain lower-case identifier, was '" + table + "'");
            }
            this.table = table;
            List<String> names = List.of(columns.split(",")).stream().map(String::trim).toList();
            for (String column : names) {
                if (!IDENTIFIER.matcher(column).matches()) {
                    throw new IllegalArgumentException("columns must be plain lower-case identifiers, was '"
                            + column + "'");
                }
            }
            this.columns = String.join(", ", names);
            this.columnNames = Set.copyOf(names);
        }

        /**
         * Adds a whitelisted sort; the first one added is the default.
         *
         * @param sort the sort, whose key columns are among the selected columns
         * @return this builder
         */
        public Builder<T> sort(Sort sort) {
            for (SortKey key : sort.keys()) {
                if (!columnNames.contains(key.column())) {
                    throw new IllegalArgumentException("sort " + sort.name() + ": key column " + key.column()
                            + " is not among the selected columns");
                }
            }
            sorts.put(sort.name(), sort);
            return this;
        }

        /**
         * Sets the page sizes.
         *
         * @param defaultLimit the size when the request names none (default {@value #DEFAULT_LIMIT})
         * @param maxLimit the largest accepted (default {@value #DEFAULT_MAX_LIMIT})
         * @return this builder
         */
        public Builder<T> limits(int defaultLimit, int maxLimit) {
            if (defaultLimit < 1 || defaultLimit > maxLimit) {
                throw new IllegalArgumentException("limits must satisfy 1 <= default <= max, were " + defaultLimit
                        + " and " + maxLimit);
            }
            this.defaultLimit = defaultLimit;
            this.maxLimit = maxLimit;
            return this;
        }

        /**
         * Bounds the exports of this browser that run at once; one more is a 503 with {@code Retry-After}
         * at once (default: no bound). Each export holds a replica connection while its client reads.
         *
         * @param exportLimit 1 to {@value ExportLimiter#MAX_LIMIT}
         * @return this builder
         */
        public Builder<T> exportLimit(int exportLimit) {
            new ExportLimiter(exportLimit);
            this.exportLimit = exportLimit;
            return this;
        }

        /**
         * Sets how long one export may run (default 30 minutes).
         *
         * @param exportTimeout positive
         * @return this builder
         */
        public Builder<T> exportTimeout(Duration exportTimeout) {
            if (exportTimeout.isNegative() || exportTimeout.isZero()) {
                throw new IllegalArgumentException("exportTimeout must be positive, was " + exportTimeout);
            }
            this.exportTimeout = exportTimeout;
            return this;
        }

        /**
         * Sets how the statements run on the connection a read lends (default {@link BrowseStatements#SPI}).
         *
         * @param statements e.g. {@code new DatabaseClientStatements(lent, databaseClient)}
         * @return this builder
         */
        public Builder<T> statements(BrowseStatements statements) {
            this.statements = statements;
            return this;
        }

        /**
         * Builds the browser.
         *
         * @return the browser
         * @throws IllegalStateException when no sort was added
         */
        public KeysetBrowser<T> build() {
            if (sorts.isEmpty()) {
                throw new IllegalStateException("a browser needs at least one sort");
            }
            return new KeysetBrowser<>(this);
        }
    }
}
