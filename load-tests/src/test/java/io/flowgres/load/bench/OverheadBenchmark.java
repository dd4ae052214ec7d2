package io.flowgres.load.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.LongFunction;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.load.ServiceArguments;
import io.flowgres.load.bench.InterleavedRounds.Result;
import io.flowgres.load.bench.plain.PlainPitch;
import io.flowgres.load.bench.plain.PlainPools;
import io.flowgres.load.bench.plain.PlainWebFluxApplication;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.cluster.PoolPolicy;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * What Flowgres costs against the limits, in one run on one cluster (a primary and one streaming
 * replica) with the same data (the reference service's seeded pitches), every read a point read by
 * primary key on the replica, every load a closed model, contenders in interleaved rounds:
 *
 * <ol>
 *   <li>in-process: a bare {@code r2dbc-pool} pool against {@link Flowgres#read} and against the
 *       routing {@link Flowgres#connectionFactory()} (a connection per read, marked read-only, as
 *       {@code DatabaseClient} uses it), all with the same pool size and driver options, at each
 *       concurrency (1, 8, 32, 128 by default);</li>
 *   <li>over HTTP, one client of {@code bench.httpClients} connections: a plain Spring WebFlux +
 *       {@code DatabaseClient} service ({@link PlainWebFluxApplication}) against the reference
 *       service's {@code GET /api/pitches/{id}} (cache off), and {@code pgbench} with the same
 *       prepared point select and as many clients, as the limit reference (skipped with a note when
 *       pgbench is missing).</li>
 * </ol>
 *
 * <p>Prints throughput, p50, p99 and this JVM's CPU time per request of each, the ratios Flowgres /
 * bare per concurrency, reference / plain and reference / pgbench (overall, and the median and range
 * of the per-round ratios), whether the goals of issue #16 are met, and writes PNG charts
 * ({@link Charts}).
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-overhead -DskipTests}; knobs
 * {@code -Dbench.concurrency} (default {@code 1,8,32,128}), {@code -Dbench.pool} (pool size of both
 * in-process contenders, default 32), {@code -Dbench.rounds} (default 10), {@code -Dbench.roundSeconds}
 * (per contender and round, default 2; pgbench gets 2 s more to connect its clients first), {@code -Dbench.warmupSeconds} (default 15: the JIT is still compiling after a few seconds, and its CPU would count against whoever runs), {@code -Dbench.settleSeconds} (default 120: the longest the contenders keep warming up, in turn, until the JIT compiles for under 2 % of a round; {@link InterleavedRounds.Settling}),
 * {@code -Dbench.httpClients} (default 32), {@code -Dbench.pitches} (default 100000),
 * {@code -Dbench.referenceArgs} (extra arguments for the reference service), {@code -Dbench.httpContenders}
 * (default {@code plain,reference,pgbench}: which of them the HTTP part measures), {@code -Dbench.inprocessContenders}
 * (default {@code Flowgres.read,routing ConnectionFactory}: which of them the in-process part measures beside the
 * bare pool), {@code -Dbench.work} ({@code none}: each in-process contender leases a connection and does nothing on
 * it, to see what each path costs without the database), {@code -Dbench.adaptiveHedging}
 * (default {@code true}: the in-process Flowgres contender's default hedging),
 * {@code -Dbench.pgbench} (default {@code /usr/bin/pgbench}), {@code -Dbench.parts} (default
 * {@code inprocess,http}), {@code -Dbench.httpClient} ({@code jvm}, the default: a Reactor Netty client in this
 * JVM; {@code wrk}: {@link Wrk}, a C client outside it, so that the client's CPU is neither the services' nor
 * counted as theirs).
 */
public final class OverheadBenchmark {

    private static final Query POINT_READ = Query.named("bench.pointRead");
    private static final String BARE = "bare r2dbc-pool";
    private static final String FLOWGRES = "Flowgres.read";
    private static final String FACTORY = "routing ConnectionFactory";
    private static final String PLAIN = "plain WebFlux + DatabaseClient";
    private static final String REFERENCE = "reference service";
    private static final String PGBENCH = "pgbench";
    /** Issue #16's goals. */
    private static final double READ_GOAL = 0.97;
    private static final double READ_P99_GOAL_MS = 0.5;
    private static final double HTTP_GOAL = 0.95;
    private static final double PGBENCH_GOAL = 0.3;

    private OverheadBenchmark() {
    }

    /** A contender that drives a request function with a closed-model load of a fixed concurrency. */
    private record LoadContender(String name, int concurrency, long maxId, LongFunction<Mono<?>> request)
            implements InterleavedRounds.Contender {

        @Override
        public double run(Duration duration, long seed, LatencyRecorder recorder) {
            return ClosedLoop.run(concurrency, duration, maxId, seed, request, recorder);
        }
    }

    /**
     * A service driven by {@code wrk} from outside this JVM: this JVM's CPU is then the service's alone,
     * and the client takes a C thread's few microseconds per request instead of a JVM client's tens.
     */
    private record WrkContender(String name, Wrk wrk, int connections) implements InterleavedRounds.Contender {

        @Override
        public double run(Duration duration, long seed, LatencyRecorder recorder) {
            Wrk.Result result = wrk.run(connections, duration, false, seed < 0 ? 7 : seed + 1);
            result.replayInto(recorder);
            return result.seconds();
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        int[] levels = Arrays.stream(System.getProperty("bench.concurrency", "1,8,32,128").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int poolSize = Integer.getInteger("bench.pool", 32);
        int rounds = Integer.getInteger("bench.rounds", 10);
        Duration round = Duration.ofSeconds(Integer.getInteger("bench.roundSeconds", 2));
        Duration warmUp = Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 15));
        InterleavedRounds.Settling settling =
                InterleavedRounds.Settling.jit();
        int httpClients = Integer.getInteger("bench.httpClients", 32);
        int pitches = Integer.getInteger("bench.pitches", 100_000);
        Path pgbench = Path.of(System.getProperty("bench.pgbench", "/usr/bin/pgbench"));
        Set<String> parts = Set.of(System.getProperty("bench.parts", "inprocess,http").split(","));
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));

        Map<Integer, Map<String, Result>> inProcess = new TreeMap<>();
        Map<String, Result> http = new LinkedHashMap<>();
        String pgbenchNote = null;
        try (LocalCluster cluster = LocalCluster.start(1);
                ConfigurableApplicationContext reference = BenchService.start(cluster, pitches,
                        referenceArguments())) {
            cluster.awaitReplication(Duration.ofSeconds(120));
            LocalNode replica = cluster.replicas().get(0);
            System.out.printf("%nOverhead benchmark, %s, %d cores: point read by primary key on %s, %,d pitches; "
                    + "%d rounds of %d s per contender (order rotated each round) after %d s of warm-up each and "
                    + "until the JIT settles (at most %d s more)%n", started, Runtime.getRuntime().availableProcessors(),
                    replica.name(), pitches, rounds, round.toSeconds(), warmUp.toSeconds(),
                    settling.atMost().toSeconds());
            if (parts.contains("inprocess")) {
                inProcess.putAll(inProcess(cluster, replica, levels, poolSize, pitches, warmUp, settling, rounds,
                        round));
            }
            if (parts.contains("http")) {
                if (!Files.isExecutable(pgbench)) {
                    pgbenchNote = "pgbench skipped: " + pgbench + " is missing (set -Dbench.pgbench)";
                    System.out.println(pgbenchNote);
                }
                http.putAll(overHttp(cluster, replica, reference, httpClients, pitches, warmUp, settling, rounds, round,
                        pgbenchNote == null ? pgbench : null));
            }
        }

        System.out.printf("%nOverhead benchmark, %s; throughput in requests/s, latencies in ms%n", started);
        if (!inProcess.isEmpty()) {
            printInProcess(inProcess, poolSize);
        }
        if (!http.isEmpty()) {
            printHttp(http, httpClients, pgbenchNote);
        }
        writeCharts(inProcess, http, started, poolSize, httpClients);
    }

    /**
     * The reference service's arguments: the cache off, the slow-query report quiet during warm-up, and
     * whatever {@code -Dbench.referenceArgs} adds (space-separated {@code --name=value}), to measure what
     * one of its features costs per request.
     */
    private static String[] referenceArguments() {
        List<String> arguments = new ArrayList<>(List.of("--flowgres.cache.enabled=false",
                // Warm-up reads slower than its threshold would flood the report.
                "--logging.level.io.flowgres.metrics.SlowQueryLog=ERROR"));
        arguments.addAll(ServiceArguments.fromProperty("bench.referenceArgs"));
        return arguments.toArray(String[]::new);
    }

    private static Map<Integer, Map<String, Result>> inProcess(LocalCluster cluster, LocalNode replica, int[] levels,
            int poolSize, long pitches, Duration warmUp, InterleavedRounds.Settling settling, int rounds,
            Duration round) {
        PoolPolicy pool = PoolPolicy.builder().initialSize(poolSize).maxSize(poolSize).build();
        ClusterConfig config = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(pool)
                // -Dbench.adaptiveHedging=false: what the default hedging of replica reads costs here.
                .availability(AvailabilityPolicy.builder()
                        .adaptiveHedging(Boolean.parseBoolean(System.getProperty("bench.adaptiveHedging", "true")))
                        .build())
                .build();
        ConnectionPool bare = PlainPools.create("bench-bare", replica.r2dbcUrl(), cluster.user(), cluster.password(),
                poolSize, poolSize);
        Map<Integer, Map<String, Result>> results = new TreeMap<>();
        Set<String> measuredInProcess = Set.of(System.getProperty("bench.inprocessContenders",
                FLOWGRES + "," + FACTORY).split(","));
        // -Dbench.work=none: a lease and nothing on it, to see what each path costs without the database.
        BiFunction<Connection, Long, Mono<?>> work = "none".equals(System.getProperty("bench.work"))
                ? (connection, id) -> Mono.just(id)
                : OverheadBenchmark::pointRead;
        try (Flowgres flowgres = Flowgres.create(config)) {
            ConnectionFactory factory = flowgres.connectionFactory();
            bare.warmup().block(Duration.ofSeconds(30));
            for (int concurrency : levels) {
                System.out.printf("in-process, concurrency %d ...%n", concurrency);
                List<LoadContender> contenders = new ArrayList<>(List.of(
                        new LoadContender(BARE, concurrency, pitches,
                                id -> Mono.usingWhen(bare.create(), connection -> work.apply(connection, id),
                                        Connection::close)),
                        new LoadContender(FLOWGRES, concurrency, pitches,
                                id -> flowgres.read(POINT_READ, connection -> work.apply(connection, id))
                                        .singleOrEmpty()),
                        // What DatabaseClient and Spring Data do with the drop-in factory: a connection per
                        // read, marked read-only so that it is routed to the replica, closed after it.
                        new LoadContender(FACTORY, concurrency, pitches,
                                id -> Mono.usingWhen(factory.create(), connection -> work.apply(connection, id),
                                        Connection::close).contextWrite(FlowgresRouting.readOnly()))));
                // -Dbench.inprocessContenders measures some of them alone, e.g. to profile one; the bare pool
                // always runs, as everything is measured against it.
                contenders.removeIf(contender -> !contender.name().equals(BARE)
                        && !measuredInProcess.contains(contender.name()));
                results.put(concurrency, InterleavedRounds.run(contenders, warmUp, settling, rounds, round));
            }
            System.out.println("Flowgres attempts by node: " + attemptsByNode(flowgres, POINT_READ.name()));
        } finally {
            bare.disposeLater().block(Duration.ofSeconds(30));
        }
        return results;
    }

    /** The work both in-process contenders run on their connection: the same statement, binding and mapping. */
    private static Mono<PlainPitch> pointRead(Connection connection, long id) {
        return Flux.from(connection.createStatement(PlainPitch.BY_ID_SQL).bind("$1", id).execute())
                .flatMap(result -> result.map(PlainPitch::of))
                .singleOrEmpty();
    }

    private static Map<String, Result> overHttp(LocalCluster cluster, LocalNode replica,
            ConfigurableApplicationContext reference, int clients, long pitches, Duration warmUp,
            InterleavedRounds.Settling settling, int rounds, Duration round, Path pgbench) {
        PoolPolicy staging = PoolPolicy.staging();
        List<ConnectionProvider> providers = new ArrayList<>();
        PgBench limit = pgbench == null ? null : PgBench.prepare(pgbench, cluster, replica, clients, pitches);
        try (ConfigurableApplicationContext plain = PlainWebFluxApplication.start(replica.r2dbcUrl(), cluster.user(),
                cluster.password(), staging.initialSize(), staging.maxSize(), PlainWebFluxApplication.Read.DATABASE_CLIENT)) {
            HttpClient plainClient = client(plain, clients, providers);
            HttpClient referenceClient = client(reference, clients, providers);
            for (long id : new long[] {1, 42, pitches}) {
                String plainBody = body(plainClient, id);
                String referenceBody = body(referenceClient, id);
                if (!plainBody.equals(referenceBody)) {
                    throw new IllegalStateException("the services answer differently for pitch " + id + ":\n  plain     "
                            + plainBody + "\n  reference " + referenceBody);
                }
            }
            System.out.printf("HTTP GET /api/pitches/{id}, %d connections; both services answer the same JSON; "
                    + "pools of %d (reference: staging preset)%n", clients, staging.maxSize());
            // -Dbench.httpContenders measures some of them alone, e.g. to profile one service.
            Set<String> measured = Set.of(System.getProperty("bench.httpContenders", "plain,reference,pgbench")
                    .split(","));
            List<InterleavedRounds.Contender> contenders = new ArrayList<>();
            // -Dbench.httpClient=wrk drives both services from wrk, outside this JVM, where it is installed.
            boolean byWrk = "wrk".equals(System.getProperty("bench.httpClient", "jvm"));
            Wrk plainWrk = byWrk ? wrk(plain, pitches) : null;
            Wrk referenceWrk = byWrk ? wrk(reference, pitches) : null;
            System.out.println("HTTP client: " + (byWrk ? "wrk, one thread, outside this JVM (CPU per request is the "
                    + "services' alone)" : "Reactor Netty in this JVM"));
            if (measured.contains("plain")) {
                contenders.add(byWrk ? new WrkContender(PLAIN, plainWrk, clients)
                        : new LoadContender(PLAIN, clients, pitches, id -> get(plainClient, id)));
            }
            if (measured.contains("reference")) {
                contenders.add(byWrk ? new WrkContender(REFERENCE, referenceWrk, clients)
                        : new LoadContender(REFERENCE, clients, pitches, id -> get(referenceClient, id)));
            }
            if (limit != null && measured.contains("pgbench")) {
                System.out.println("pgbench: " + limit.commandLine(round));
                contenders.add(limit);
            }
            Map<String, Result> results = InterleavedRounds.run(contenders, warmUp, settling, rounds, round);
            System.out.println("reference service attempts by node: "
                    + attemptsByNode(reference.getBean(Flowgres.class), "pitches.byId"));
            return results;
        } finally {
            providers.forEach(ConnectionProvider::dispose);
            if (limit != null) {
                limit.close();
            }
        }
    }

    /** wrk against a service started in this JVM; the benchmark stops when wrk is not installed. */
    private static Wrk wrk(ConfigurableApplicationContext service, long pitches) {
        int port = ((WebServerApplicationContext) service).getWebServer().getPort();
        return Wrk.find("http://127.0.0.1:" + port, Math.toIntExact(pitches)).orElseThrow(() ->
                new IllegalStateException("-Dbench.httpClient=wrk needs wrk on the PATH (apt-get install wrk)"));
    }

    /** An HTTP client of {@code clients} connections to a service started in this JVM, disposed by the caller. */
    static HttpClient client(ConfigurableApplicationContext service, int clients,
            List<ConnectionProvider> providers) {
        int port = ((WebServerApplicationContext) service).getWebServer().getPort();
        ConnectionProvider provider = ConnectionProvider.builder("bench-" + port).maxConnections(clients)
                .pendingAcquireMaxCount(-1).build();
        providers.add(provider);
        return HttpClient.create(provider).baseUrl("http://127.0.0.1:" + port);
    }

    /** One {@code GET /api/pitches/{id}}; a value when the answer was 200 with a body, else empty. */
    static Mono<byte[]> get(HttpClient client, long id) {
        return client.get().uri("/api/pitches/" + id)
                .responseSingle((response, body) -> body.asByteArray()
                        .filter(bytes -> response.status().code() == 200));
    }

    /** The body of one {@code GET /api/pitches/{id}}, which must exist. */
    static String body(HttpClient client, long id) {
        byte[] body = get(client, id).block(Duration.ofSeconds(30));
        if (body == null) {
            throw new IllegalStateException("no pitch " + id);
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private static String attemptsByNode(Flowgres flowgres, String query) {
        Map<String, Long> byNode = new TreeMap<>();
        for (Timer timer : flowgres.meterRegistry().find("flowgres.query").tag("query", query).timers()) {
            byNode.merge(String.valueOf(timer.getId().getTag("node")), timer.count(), Long::sum);
        }
        return byNode.toString();
    }

    private static void printInProcess(Map<Integer, Map<String, Result>> results, int poolSize) {
        System.out.printf("%nIn-process point read, pool %d for all, closed model (goal: Flowgres.read >= %.2fx bare "
                + "throughput, p99 within +%.1f ms); CPU = this JVM's CPU time per request%n", poolSize, READ_GOAL,
                READ_P99_GOAL_MS);
        for (String contender : List.of(FLOWGRES, FACTORY)) {
            if (!results.values().iterator().next().containsKey(contender)) {
                System.out.printf("%s: not measured (-Dbench.inprocessContenders)%n", contender);
                continue;
            }
            System.out.printf("%s against the bare pool:%n", contender);
            System.out.printf("%5s | %8s %6s %6s %7s %6s | %8s %6s %6s %7s %6s | %6s %6s %11s | %6s | %7s | %s%n",
                    "conc", "bare/s", "p50", "p99", "CPU us", "B", "Flowg./s", "p50", "p99", "CPU us", "B", "ratio",
                    "median", "rounds", "CPU x", "p99 +ms", "goal");
            printInProcess(results, contender);
        }
    }

    private static void printInProcess(Map<Integer, Map<String, Result>> results, String contender) {
        results.forEach((concurrency, byName) -> {
            Result bare = byName.get(BARE);
            Result flowgres = byName.get(contender);
            double ratio = flowgres.summary().throughput() / bare.summary().throughput();
            double[] range = flowgres.roundRatioRange(bare);
            double p99Delta = flowgres.summary().p99() - bare.summary().p99();
            System.out.printf("%5d | %8.0f %6.2f %6.2f %7.1f %6.0f | %8.0f %6.2f %6.2f %7.1f %6.0f | %6.3f %6.3f "
                    + "%5.2f-%-5.2f | %6.2f | %+7.2f | %s%n", concurrency, bare.summary().throughput(),
                    bare.summary().p50(), bare.summary().p99(), bare.cpuMicrosPerRequest(), bare.bytesPerRequest(),
                    flowgres.summary().throughput(), flowgres.summary().p50(), flowgres.summary().p99(),
                    flowgres.cpuMicrosPerRequest(), flowgres.bytesPerRequest(), ratio,
                    flowgres.medianRoundRatio(bare), range[0], range[1],
                    flowgres.cpuMicrosPerRequest() / bare.cpuMicrosPerRequest(), p99Delta,
                    // Issue #16's goal is the facade's; the factory has none of its own in-process.
                    contender.equals(FLOWGRES) ? met(ratio >= READ_GOAL && p99Delta <= READ_P99_GOAL_MS) : "-");
            failures(BARE, bare.summary());
            failures(contender, flowgres.summary());
        });
    }

    private static void printHttp(Map<String, Result> results, int clients, String pgbenchNote) {
        System.out.printf("%nHTTP GET /api/pitches/{id}, %d connections, closed model; CPU = this JVM's CPU time per "
                + "request (the service's, and the client's unless it is wrk), B = bytes it allocated per request%n",
                clients);
        System.out.printf("%-32s | %8s %6s %6s %7s %7s%n", "contender", "req/s", "p50", "p99", "CPU us", "B");
        results.forEach((name, result) -> {
            LatencyRecorder.Summary summary = result.summary();
            System.out.printf("%-32s | %8.0f %6.2f %6.2f %7.1f %7.0f%n", name, summary.throughput(), summary.p50(),
                    summary.p99(), result.cpuMicrosPerRequest(), result.bytesPerRequest());
            failures(name, summary);
        });
        Result plain = results.get(PLAIN);
        Result reference = results.get(REFERENCE);
        if (plain == null || reference == null) {
            System.out.println("reference / plain WebFlux: not measured (-Dbench.httpContenders)");
            return;
        }
        double ratio = reference.summary().throughput() / plain.summary().throughput();
        double[] range = reference.roundRatioRange(plain);
        System.out.printf("reference / plain WebFlux: throughput %.3f (median of rounds %.3f, rounds %.2f-%.2f), "
                + "CPU per request %.2fx, bytes per request %.2fx, p99 %+.2f ms: goal >= %.2f %s%n", ratio,
                reference.medianRoundRatio(plain), range[0], range[1],
                reference.cpuMicrosPerRequest() / plain.cpuMicrosPerRequest(),
                reference.bytesPerRequest() / plain.bytesPerRequest(),
                reference.summary().p99() - plain.summary().p99(), HTTP_GOAL, met(ratio >= HTTP_GOAL));
        Result pgbench = results.get(PGBENCH);
        if (pgbench == null) {
            System.out.println("reference / pgbench: not measured (" + pgbenchNote + ")");
            return;
        }
        double limit = reference.summary().throughput() / pgbench.summary().throughput();
        double[] limitRange = reference.roundRatioRange(pgbench);
        System.out.printf("reference / pgbench: throughput %.3f (median of rounds %.3f, rounds %.2f-%.2f): goal "
                + ">= %.2f %s%n", limit, reference.medianRoundRatio(pgbench), limitRange[0], limitRange[1],
                PGBENCH_GOAL, met(limit >= PGBENCH_GOAL));
        System.out.printf("plain WebFlux / pgbench: throughput %.3f%n",
                plain.summary().throughput() / pgbench.summary().throughput());
    }

    private static void failures(String name, LatencyRecorder.Summary summary) {
        if (summary.failures() > 0) {
            System.out.printf("  %s: %,d failed requests%n", name, summary.failures());
        }
    }

    private static String met(boolean met) {
        return met ? "met" : "NOT met";
    }

    private static void writeCharts(Map<Integer, Map<String, Result>> inProcess, Map<String, Result> http,
            String date, int poolSize, int clients) {
        if (!inProcess.isEmpty()) {
            List<String> levels = inProcess.keySet().stream().map(String::valueOf).toList();
            Map<String, double[]> throughput = Charts.series();
            Map<String, double[]> p99 = Charts.series();
            Map<String, double[]> cpu = Charts.series();
            for (String name : List.of(BARE, FLOWGRES, FACTORY)) {
                if (!inProcess.values().iterator().next().containsKey(name)) {
                    continue;
                }
                throughput.put(name, inProcess.values().stream()
                        .mapToDouble(byName -> byName.get(name).summary().throughput()).toArray());
                p99.put(name, inProcess.values().stream()
                        .mapToDouble(byName -> byName.get(name).summary().p99()).toArray());
                cpu.put(name, inProcess.values().stream()
                        .mapToDouble(byName -> byName.get(name).cpuMicrosPerRequest()).toArray());
            }
            String where = String.format("point read on one replica, pool %d, %s, 2 cores", poolSize, date);
            Charts.lines("overhead-inprocess-throughput.png", "Throughput: " + where, "concurrency (closed model)",
                    "requests/s", levels, throughput, false);
            Charts.lines("overhead-inprocess-p99.png", "p99 latency: " + where, "concurrency (closed model)", "ms",
                    levels, p99, false);
            Charts.lines("overhead-inprocess-cpu.png", "JVM CPU time per request: " + where,
                    "concurrency (closed model)", "microseconds", levels, cpu, false);
        }
        if (!http.isEmpty()) {
            List<String> names = new ArrayList<>(http.keySet());
            String where = String.format("GET /api/pitches/{id}, %d connections, %s, 2 cores", clients, date);
            Map<String, double[]> throughput = Charts.series();
            throughput.put("requests/s", names.stream().mapToDouble(name -> http.get(name).summary().throughput())
                    .toArray());
            Charts.bars("overhead-http-throughput.png", "Throughput: " + where, "requests/s", names, throughput,
                    false);
            Map<String, double[]> latency = Charts.series();
            latency.put("p50", names.stream().mapToDouble(name -> http.get(name).summary().p50()).toArray());
            latency.put("p99", names.stream().mapToDouble(name -> http.get(name).summary().p99()).toArray());
            Charts.bars("overhead-http-latency.png", "Latency: " + where, "ms", names, latency, false);
        }
    }
}
