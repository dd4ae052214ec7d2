package io.flowgres.load.bench;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowgres.load.bench.InterleavedRounds.Result;
import io.flowgres.load.bench.plain.PlainWebFluxApplication;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.cluster.PoolPolicy;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The drop-in case of issue #14, through HTTP: one Spring WebFlux service, its read written once as a
 * Spring Data repository's {@code findById} (or with {@code DatabaseClient}, {@code -Dbench.read=client};
 * marked read-only either way), run twice in one run on one cluster (a primary and one
 * streaming replica, the reference service's seeded pitches): on a bare {@code r2dbc-pool} pointed at
 * the replica (what Boot's own pool gives), and on Flowgres's routing {@code ConnectionFactory} over
 * the primary and the replica. Closed model, {@code bench.httpClients} connections, the two contenders
 * in interleaved rounds; prints throughput, p50, p99, this JVM's CPU time per request, the ratio Flowgres / plain and whether the goal
 * (at least 0.95x) is met.
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-dropin -DskipTests}; knobs
 * {@code -Dbench.httpClients} (default 32), {@code -Dbench.rounds} (default 10),
 * {@code -Dbench.roundSeconds} (default 2), {@code -Dbench.warmupSeconds} (default 60, per contender: the
 * goal is about a service that has run a while, and after 15 s the JIT is still compiling the longer of the
 * two paths, whose CPU counts against it; 0.94-0.95x at 15 s against 0.95-0.98x at 60 s on 2026-12-05),
 * {@code -Dbench.settleSeconds} (default 120: then in turn until the JIT settles; {@link InterleavedRounds.Settling}),
 * {@code -Dbench.pitches} (default 100000), {@code -Dbench.read} ({@code repository}, the default, or
 * {@code client}), {@code -Dbench.dropinContenders} ({@code plain}, {@code flowgres} or both, the default: one
 * alone, to profile what each service costs; no ratio then).
 */
public final class DropInBenchmark {

    private static final PlainWebFluxApplication.Read READ = "client".equals(System.getProperty("bench.read"))
            ? PlainWebFluxApplication.Read.DATABASE_CLIENT : PlainWebFluxApplication.Read.REPOSITORY;
    private static final String READER = READ == PlainWebFluxApplication.Read.REPOSITORY ? "repository"
            : "DatabaseClient";
    private static final String PLAIN = READER + " on a bare pool";
    private static final String DROP_IN = READER + " on Flowgres";
    private static final double GOAL = 0.95;

    private DropInBenchmark() {
    }

    /** A contender that drives one service with a closed-model load. */
    private record HttpContender(String name, int clients, long maxId, HttpClient client)
            implements InterleavedRounds.Contender {

        @Override
        public double run(Duration duration, long seed, LatencyRecorder recorder) {
            return ClosedLoop.run(clients, duration, maxId, seed, id -> OverheadBenchmark.get(client, id), recorder);
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        int clients = Integer.getInteger("bench.httpClients", 32);
        int rounds = Integer.getInteger("bench.rounds", 10);
        Duration round = Duration.ofSeconds(Integer.getInteger("bench.roundSeconds", 2));
        Duration warmUp = Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 60));
        int pitches = Integer.getInteger("bench.pitches", 100_000);
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        List<ConnectionProvider> providers = new ArrayList<>();
        Map<String, Result> results;
        try (LocalCluster cluster = LocalCluster.start(1)) {
            // The reference service seeds the data, then stops: only the two contenders run.
            BenchService.start(cluster, pitches, "--flowgres.cache.enabled=false").close();
            cluster.awaitReplication(Duration.ofSeconds(120));
            LocalNode replica = cluster.replicas().get(0);
            PoolPolicy staging = PoolPolicy.staging();
            try (ConfigurableApplicationContext plain = PlainWebFluxApplication.start(replica.r2dbcUrl(),
                            cluster.user(), cluster.password(), staging.initialSize(), staging.maxSize(), READ);
                    ConfigurableApplicationContext dropIn = PlainWebFluxApplication.startOnFlowgres(
                            cluster.primary().r2dbcUrl(), replica.r2dbcUrl(), cluster.user(), cluster.password(), READ)) {
                HttpClient plainClient = OverheadBenchmark.client(plain, clients, providers);
                HttpClient dropInClient = OverheadBenchmark.client(dropIn, clients, providers);
                for (long id : new long[] {1, 42, pitches}) {
                    String a = OverheadBenchmark.body(plainClient, id);
                    String b = OverheadBenchmark.body(dropInClient, id);
                    if (!a.equals(b)) {
                        throw new IllegalStateException("the services answer differently for pitch " + id);
                    }
                }
                System.out.printf("%nDrop-in benchmark, %s, %d cores: GET /api/pitches/{id} over HTTP, %d connections, "
                        + "pools of %d on the replica; %d rounds of %d s per contender after %d s of warm-up%n",
                        started, Runtime.getRuntime().availableProcessors(), clients, staging.maxSize(), rounds,
                        round.toSeconds(), warmUp.toSeconds());
                // -Dbench.dropinContenders measures one service alone, e.g. to profile it.
                Set<String> measured = Set.of(System.getProperty("bench.dropinContenders", "plain,flowgres")
                        .split(","));
                List<InterleavedRounds.Contender> contenders = new ArrayList<>();
                if (measured.contains("plain")) {
                    contenders.add(new HttpContender(PLAIN, clients, pitches, plainClient));
                }
                if (measured.contains("flowgres")) {
                    contenders.add(new HttpContender(DROP_IN, clients, pitches, dropInClient));
                }
                results = InterleavedRounds.run(contenders, warmUp, InterleavedRounds.Settling.jit(), rounds,
                        round);
            }
        } finally {
            providers.forEach(ConnectionProvider::dispose);
        }
        Result plain = results.get(PLAIN);
        Result dropIn = results.get(DROP_IN);
        System.out.printf("%nDrop-in benchmark, %s; throughput in requests/s, latencies in ms%n", started);
        for (Map.Entry<String, Result> entry : results.entrySet()) {
            LatencyRecorder.Summary summary = entry.getValue().summary();
            System.out.printf("  %-32s %10.0f req/s   p50 %7.2f   p99 %7.2f   CPU %6.1f us/req   failed %d%n",
                    entry.getKey(), summary.throughput(), summary.p50(), summary.p99(),
                    entry.getValue().cpuMicrosPerRequest(), summary.failures());
        }
        if (plain == null || dropIn == null) {
            return;
        }
        double ratio = dropIn.summary().throughput() / plain.summary().throughput();
        double[] range = dropIn.roundRatioRange(plain);
        System.out.printf("  Flowgres / plain throughput: %.2fx overall, median of rounds %.2fx (range %.2f-%.2f); "
                + "goal >= %.2fx: %s; CPU per request %.2fx (this JVM: client and both services)%n", ratio,
                dropIn.medianRoundRatio(plain), range[0], range[1], GOAL, ratio >= GOAL ? "met" : "NOT met",
                dropIn.cpuMicrosPerRequest() / plain.cpuMicrosPerRequest());
    }
}
