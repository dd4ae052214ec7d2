package io.flowgres.load.bench;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.flowgres.local.LocalCluster;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Cached against uncached {@code GET /api/pitches/{id}}, in one run on one cluster (a primary and one
 * streaming replica): two instances of the reference service, one with {@code flowgres.cache.enabled},
 * one without, each driven in turn by the same closed-model load (a fixed number of clients, each
 * sending its next request when the last returned) with ids drawn from a Zipf-like distribution
 * (exponent 1 over the seeded ids), so popular pitches are hot and the tail is long. Prints p50, p99
 * and throughput of both, the ratios, and the cached instance's hit rate during its phase, and writes
 * p50 and p99 of both as a chart ({@link Charts}).
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-cache -DskipTests}; knobs
 * {@code -Dbench.seconds} (per phase, default 20), {@code -Dbench.warmupSeconds} (each instance's, before
 * the measured phases, default 15), {@code -Dbench.clients} (default 32),
 * {@code -Dbench.pitches} (default 20000), {@code -Dbench.zipf} (exponent, default 1.0).
 */
public final class CacheBenchmark {

    private CacheBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        Duration phase = Duration.ofSeconds(Integer.getInteger("bench.seconds", 20));
        Duration warmUp = Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 15));
        int clients = Integer.getInteger("bench.clients", 32);
        int pitches = Integer.getInteger("bench.pitches", 20_000);
        double exponent = Double.parseDouble(System.getProperty("bench.zipf", "1.0"));
        Zipf zipf = new Zipf(pitches, exponent);
        ConnectionProvider connections = ConnectionProvider.builder("bench").maxConnections(clients)
                .pendingAcquireMaxCount(-1).build();
        try (LocalCluster cluster = LocalCluster.start(1);
                ConfigurableApplicationContext uncached = BenchService.start(cluster, pitches,
                        "--flowgres.cache.enabled=false");
                ConfigurableApplicationContext cached = BenchService.start(cluster, pitches,
                        "--flowgres.cache.enabled=true")) {
            cluster.awaitReplication(Duration.ofSeconds(120));
            WebClient uncachedClient = client(uncached, connections);
            WebClient cachedClient = client(cached, connections);
            // Long enough for the JIT: with 3 s, C2 still compiled through the measured phases (a third of
            // the CPU samples of a profile), against whichever instance ran first.
            run(uncachedClient, warmUp, clients, zipf, new LatencyRecorder(5_000_000));
            run(cachedClient, warmUp, clients, zipf, new LatencyRecorder(5_000_000));

            LatencyRecorder.Summary without = measure(uncachedClient, phase, clients, zipf);
            MeterRegistry registry = cached.getBean(io.flowgres.Flowgres.class).meterRegistry();
            double hitsBefore = gets(registry, "hit");
            double missesBefore = gets(registry, "miss");
            LatencyRecorder.Summary with = measure(cachedClient, phase, clients, zipf);
            double hits = gets(registry, "hit") - hitsBefore;
            double misses = gets(registry, "miss") - missesBefore;

            System.out.println();
            System.out.printf("Cache benchmark: GET /api/pitches/{id}, %d closed-model clients, %d s per phase, "
                    + "Zipf(s=%.2f) over %,d ids%n", clients, phase.toSeconds(), exponent, pitches);
            System.out.printf("%-10s %s%n", "uncached", without);
            System.out.printf("%-10s %s%n", "cached", with);
            System.out.printf("throughput cached / uncached = %.2f, p99 cached / uncached = %.2f, "
                    + "p50 cached / uncached = %.2f%n", with.throughput() / without.throughput(),
                    with.p99() / without.p99(), with.p50() / without.p50());
            System.out.printf("hit rate %.1f %% (%,.0f hits, %,.0f misses); Zipf top-1%% of ids draws %.1f %% of "
                    + "requests%n", 100 * hits / Math.max(1, hits + misses), hits, misses, 100 * zipf.headShare(0.01));
            Map<String, double[]> latency = Charts.series();
            latency.put("p50", new double[] {without.p50(), with.p50()});
            latency.put("p99", new double[] {without.p99(), with.p99()});
            Charts.bars("cache-hit-vs-miss.png", String.format("GET /api/pitches/{id}, %d clients, Zipf(%.1f) over %,d "
                    + "ids, %s", clients, exponent, pitches, LocalDate.now()), "ms", List.of(
                            String.format("uncached (all misses): %,.0f req/s", without.throughput()),
                            String.format("cached (%.0f %% hits): %,.0f req/s", 100 * hits / Math.max(1, hits + misses),
                                    with.throughput())), latency, false);
        } finally {
            connections.dispose();
        }
    }

    private static WebClient client(ConfigurableApplicationContext context, ConnectionProvider connections) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return WebClient.builder().baseUrl("http://127.0.0.1:" + port)
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections))).build();
    }

    private static LatencyRecorder.Summary measure(WebClient client, Duration phase, int clients, Zipf zipf) {
        LatencyRecorder recorder = new LatencyRecorder(5_000_000);
        long started = System.nanoTime();
        run(client, phase, clients, zipf, recorder);
        return recorder.summarise((System.nanoTime() - started) / 1e9);
    }

    private static void run(WebClient client, Duration phase, int clients, Zipf zipf, LatencyRecorder recorder) {
        long deadline = System.nanoTime() + phase.toNanos();
        Flux.range(0, clients)
                .flatMap(worker -> {
                    SplittableRandom random = new SplittableRandom(worker);
                    return Mono.defer(() -> {
                                long started = System.nanoTime();
                                return client.get().uri("/api/pitches/{id}", zipf.sample(random)).retrieve()
                                        .toBodilessEntity()
                                        .doOnSuccess(ignored -> recorder.record(System.nanoTime() - started))
                                        .onErrorResume(error -> {
                                            recorder.fail();
                                            return Mono.empty();
                                        });
                            })
                            .repeat(() -> System.nanoTime() < deadline);
                }, clients)
                .blockLast(phase.plusSeconds(60));
    }

    private static double gets(MeterRegistry registry, String result) {
        return registry.find("cache.gets").tag("query", "pitches.byId").tag("result", result)
                .functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    /** Ids 1..n with probability proportional to 1 / rank^s, the lowest ids the most popular. */
    static final class Zipf {

        private final double[] cumulative;

        Zipf(int n, double exponent) {
            cumulative = new double[n];
            double sum = 0;
            for (int rank = 1; rank <= n; rank++) {
                sum += 1 / Math.pow(rank, exponent);
                cumulative[rank - 1] = sum;
            }
            for (int i = 0; i < n; i++) {
                cumulative[i] /= sum;
            }
        }

        long sample(SplittableRandom random) {
            int index = Arrays.binarySearch(cumulative, random.nextDouble());
            return (index >= 0 ? index : -index - 1) + 1L;
        }

        double headShare(double fraction) {
            return cumulative[Math.max(0, (int) (cumulative.length * fraction) - 1)];
        }
    }
}
