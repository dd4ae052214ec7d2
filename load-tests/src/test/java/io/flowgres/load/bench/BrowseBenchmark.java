package io.flowgres.load.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.local.LocalCluster;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.paging.Sort;
import io.flowgres.web.paging.SortKey;
import io.flowgres.routing.Route;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Readable;
import org.reactivestreams.Publisher;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * Keyset against {@code OFFSET} paging at growing depth, and export throughput against the bare
 * driver, in one run on one cluster (a primary and one streaming replica seeded with a little over
 * a million pitches, every browse index built).
 *
 * <p>Paging: the page of 24 newest pitches after depth 0, 10k, 100k and 1M rows, read on the replica
 * three ways, interleaved round by round: {@code GET /api/pitches} with a cursor (the real endpoint),
 * the same keyset statement through Flowgres, and the {@code OFFSET} statement through Flowgres.
 * Prints the median and p90 of each, and OFFSET's median over keyset's, and writes the medians by
 * depth as a chart ({@link Charts}).
 *
 * <p>Export: all rows in newest order as NDJSON over HTTP (the real endpoint), through Flowgres with a
 * server-side cursor of 500 rows mapped to objects, and through plain r2dbc-postgresql with the same
 * statement, fetch size and mapping and nothing in between; three rounds, medians of rows/s, and
 * Flowgres over plain.
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-browse -DskipTests}; knobs
 * {@code -Dbench.pitches} (default 1050000), {@code -Dbench.rounds} (page samples per depth and way,
 * default 30).
 */
public final class BrowseBenchmark {

    private static final String SECRET = "browse-benchmark-cursor-secret";
    private static final String COLUMNS = "id, owner_id, title, logline, genre, format, production_stage, status, "
            + "view_count, created_at";
    private static final String ORDER = " ORDER BY created_at DESC, id DESC";
    private static final int PAGE = 24;
    private static final Sort NEWEST = new Sort("newest", List.of(SortKey.desc("created_at", SortKey.Type.TIMESTAMP),
            SortKey.desc("id", SortKey.Type.LONG)));
    private static final Query KEYSET = Query.named("bench.keyset");
    private static final Query OFFSET = Query.named("bench.offset");
    private static final Query EXPORT = Query.named("bench.export").withTimeout(Duration.ofMinutes(10));

    private BrowseBenchmark() {
    }

    /** The columns of one pitch row, mapped the same way by every export path. */
    record Row(long id, long ownerId, String title, String logline, String genre, String format, String stage,
            String status, long viewCount, OffsetDateTime createdAt) {

        static Row of(Readable row) {
            return new Row(row.get(0, Long.class), row.get(1, Long.class), row.get(2, String.class),
                    row.get(3, String.class), row.get(4, String.class), row.get(5, String.class),
                    row.get(6, String.class), row.get(7, String.class), row.get(8, Long.class),
                    row.get(9, OffsetDateTime.class));
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        int pitches = Integer.getInteger("bench.pitches", 1_050_000);
        int rounds = Integer.getInteger("bench.rounds", 30);
        long[] depths = {0, 10_000, 100_000, 1_000_000};
        try (LocalCluster cluster = LocalCluster.start(1);
                ConfigurableApplicationContext service = BenchService.start(cluster, pitches,
                        "--reference.cursor-secret=" + SECRET, "--flowgres.cache.enabled=false")) {
            cluster.awaitReplication(Duration.ofSeconds(300));
            Flowgres flowgres = service.getBean(Flowgres.class);
            int port = ((WebServerApplicationContext) service).getWebServer().getPort();
            WebClient http = WebClient.builder().baseUrl("http://127.0.0.1:" + port)
                    .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(1024 * 1024)).build();
            CursorCodec cursors = new CursorCodec(SECRET.getBytes(StandardCharsets.UTF_8));

            System.out.println();
            System.out.printf("Browse benchmark: %,d pitches, newest first, pages of %d, %d samples per depth and "
                    + "way (median / p90 ms)%n", pitches, PAGE, rounds);
            System.out.printf("%10s %22s %22s %22s %16s%n", "depth", "HTTP keyset", "Flowgres keyset",
                    "Flowgres OFFSET", "OFFSET/keyset");
            Map<String, double[]> medians = Charts.series();
            for (String way : List.of("HTTP keyset", "Flowgres keyset", "Flowgres OFFSET")) {
                medians.put(way, new double[depths.length]);
            }
            for (int d = 0; d < depths.length; d++) {
                long depth = depths[d];
                Row last = depth == 0 ? null : rowAt(flowgres, depth - 1);
                String cursor = last == null ? null : NEWEST.encode(cursors, List.of(last.createdAt(), last.id()));
                Map<String, LongSupplier> ways = new LinkedHashMap<>();
                ways.put("http", () -> timed(() -> httpPage(http, cursor)));
                ways.put("keyset", () -> timed(() -> keysetPage(flowgres, last)));
                ways.put("offset", () -> timed(() -> offsetPage(flowgres, depth)));
                Map<String, long[]> samples = sample(ways, rounds);
                long[] keyset = samples.get("keyset");
                long[] offset = samples.get("offset");
                System.out.printf("%,10d %22s %22s %22s %16.1f%n", depth, format(samples.get("http")),
                        format(keyset), format(offset), (double) median(offset) / median(keyset));
                medians.get("HTTP keyset")[d] = median(samples.get("http")) / 1e6;
                medians.get("Flowgres keyset")[d] = median(keyset) / 1e6;
                medians.get("Flowgres OFFSET")[d] = median(offset) / 1e6;
            }
            Charts.lines("browse-keyset-vs-offset.png", String.format("Page of %d newest after a depth, %,d pitches, "
                    + "median of %d, %s", PAGE, pitches, rounds, LocalDate.now()), "depth (rows before the page)",
                    "median ms (log scale)", Arrays.stream(depths).mapToObj(depth -> String.format("%,d", depth))
                            .toList(), medians, true);

            ConnectionFactory plain = ConnectionFactories.get(ConnectionFactoryOptions
                    .parse(cluster.replicas().get(0).r2dbcUrl()).mutate()
                    .option(ConnectionFactoryOptions.USER, cluster.user())
                    .option(ConnectionFactoryOptions.PASSWORD, cluster.password()).build());
            Map<String, LongSupplier> exports = new LinkedHashMap<>();
            exports.put("http", () -> httpExportRows(http));
            exports.put("flowgres", () -> flowgresExportRows(flowgres));
            exports.put("plain", () -> plainExportRows(plain));
            Map<String, double[]> rates = new LinkedHashMap<>();
            exports.keySet().forEach(way -> rates.put(way, new double[3]));
            for (int round = 0; round < 3; round++) {
                for (Map.Entry<String, LongSupplier> way : exports.entrySet()) {
                    long started = System.nanoTime();
                    long rows = way.getValue().getAsLong();
                    rates.get(way.getKey())[round] = rows / ((System.nanoTime() - started) / 1e9);
                    if (rows < pitches) {
                        throw new IllegalStateException(way.getKey() + " export returned " + rows + " rows");
                    }
                }
            }
            System.out.println();
            System.out.printf("Export of all %,d pitches, median of 3 rounds:%n", pitches);
            System.out.printf("  NDJSON over HTTP (full service)       %,12.0f rows/s%n", median(rates.get("http")));
            System.out.printf("  Flowgres read, fetchSize 500          %,12.0f rows/s%n", median(rates.get("flowgres")));
            System.out.printf("  plain r2dbc-postgresql, fetchSize 500 %,12.0f rows/s%n", median(rates.get("plain")));
            System.out.printf("  Flowgres / plain = %.2f, HTTP NDJSON / plain = %.2f%n",
                    median(rates.get("flowgres")) / median(rates.get("plain")),
                    median(rates.get("http")) / median(rates.get("plain")));
        }
    }

    /** Warm-up of five samples, then {@code rounds} samples of every way, interleaved. */
    private static Map<String, long[]> sample(Map<String, LongSupplier> ways, int rounds) {
        for (int i = 0; i < 5; i++) {
            ways.values().forEach(LongSupplier::getAsLong);
        }
        Map<String, long[]> samples = new LinkedHashMap<>();
        ways.keySet().forEach(way -> samples.put(way, new long[rounds]));
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, LongSupplier> way : ways.entrySet()) {
                samples.get(way.getKey())[round] = way.getValue().getAsLong();
            }
        }
        return samples;
    }

    private static long timed(Runnable page) {
        long started = System.nanoTime();
        page.run();
        return System.nanoTime() - started;
    }

    private static void httpPage(WebClient http, String cursor) {
        String body = http.get().uri(builder -> {
                    builder.path("/api/pitches").queryParam("limit", PAGE);
                    return (cursor == null ? builder : builder.queryParam("cursor", cursor)).build();
                })
                .accept(MediaType.APPLICATION_JSON).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30));
        if (body == null || !body.contains("\"items\"")) {
            throw new IllegalStateException("unexpected browse response: " + body);
        }
    }

    private static void keysetPage(Flowgres flowgres, Row last) {
        String sql = "SELECT " + COLUMNS + " FROM pitch"
                + (last == null ? "" : " WHERE (created_at, id) < ($1, $2)") + ORDER + " LIMIT " + PAGE;
        expectPage(flowgres.read(KEYSET, connection -> {
            var statement = connection.createStatement(sql);
            if (last != null) {
                statement.bind(0, last.createdAt()).bind(1, last.id());
            }
            return rows(statement.execute());
        }));
    }

    private static void offsetPage(Flowgres flowgres, long depth) {
        expectPage(flowgres.read(OFFSET, connection -> rows(connection.createStatement("SELECT " + COLUMNS
                + " FROM pitch" + ORDER + " LIMIT " + PAGE + " OFFSET $1").bind(0, depth).execute())));
    }

    private static void expectPage(Flux<Row> page) {
        List<Row> rows = page.collectList().block(Duration.ofSeconds(60));
        if (rows == null || rows.size() != PAGE) {
            throw new IllegalStateException("expected a full page, got " + (rows == null ? 0 : rows.size()));
        }
    }

    private static Row rowAt(Flowgres flowgres, long position) {
        return flowgres.read(OFFSET.withRoute(Route.PRIMARY), connection -> rows(connection.createStatement(
                        "SELECT " + COLUMNS + " FROM pitch" + ORDER + " LIMIT 1 OFFSET $1").bind(0, position).execute()))
                .blockLast(Duration.ofSeconds(60));
    }

    private static Flux<Row> rows(Publisher<? extends io.r2dbc.spi.Result> results) {
        return Flux.from(results).flatMap(result -> result.map(Row::of));
    }

    private static long httpExportRows(WebClient http) {
        // Counts newlines in the raw body: the client's own JSON decoding is not what is measured.
        Long lines = http.get().uri("/api/pitches/export").accept(MediaType.APPLICATION_NDJSON).retrieve()
                .bodyToFlux(DataBuffer.class)
                .map(buffer -> {
                    long count = 0;
                    for (int i = buffer.readPosition(); i < buffer.writePosition(); i++) {
                        if (buffer.getByte(i) == '\n') {
                            count++;
                        }
                    }
                    DataBufferUtils.release(buffer);
                    return count;
                })
                .reduce(0L, Long::sum).block(Duration.ofMinutes(10));
        return lines == null ? 0 : lines;
    }

    private static long flowgresExportRows(Flowgres flowgres) {
        return count(flowgres.read(EXPORT, connection -> exportRows(connection)));
    }

    private static long plainExportRows(ConnectionFactory plain) {
        return count(Flux.usingWhen(plain.create(), BrowseBenchmark::exportRows, Connection::close));
    }

    private static Flux<Row> exportRows(Connection connection) {
        return rows(connection.createStatement("SELECT " + COLUMNS + " FROM pitch" + ORDER).fetchSize(500).execute());
    }

    private static long count(Flux<Row> rows) {
        Long count = rows.count().block(Duration.ofMinutes(10));
        return count == null ? 0 : count;
    }

    private static long median(long[] samples) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double median(double[] samples) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String format(long[] samples) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return String.format("%8.2f / %8.2f", sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.9)] / 1e6);
    }
}
