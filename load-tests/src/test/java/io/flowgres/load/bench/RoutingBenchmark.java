package io.flowgres.load.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import io.flowgres.Flowgres;
import io.flowgres.Query;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.node.PoolPolicy;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.PowerOfTwoChoicesBalancer;
import io.flowgres.routing.RoundRobinBalancer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Compares replica-balancing strategies under the same open-model read load, on a real primary
 * with two streaming replicas: first with both replicas healthy, then with one replica frozen
 * (SIGSTOP) for 300 ms of every second. Prints p50, p99 and throughput per strategy and the ratio
 * of each strategy's p99 with a sick replica to its all-healthy p99.
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-routing -DskipTests}; knobs
 * {@code -Dbench.seconds} (per phase, default 15) and {@code -Dbench.rate} (reads per second, default 1500).
 */
public final class RoutingBenchmark {

    private static final Query READ = Query.named("bench.byId");

    private RoutingBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        Duration phase = Duration.ofSeconds(Integer.getInteger("bench.seconds", 15));
        int rate = Integer.getInteger("bench.rate", 1500);
        Map<String, Supplier<Balancer>> strategies = strategies();
        try (LocalCluster cluster = LocalCluster.start(2)) {
            seed(cluster);
            Map<String, LatencyRecorder.Summary> results = new LinkedHashMap<>();
            for (Map.Entry<String, Supplier<Balancer>> strategy : strategies.entrySet()) {
                results.put(strategy.getKey() + " / healthy",
                        run(cluster, strategy.getValue().get(), phase, rate, null));
            }
            LocalNode sick = cluster.replicas().get(1);
            for (Map.Entry<String, Supplier<Balancer>> strategy : strategies.entrySet()) {
                results.put(strategy.getKey() + " / one replica frozen 30%",
                        run(cluster, strategy.getValue().get(), phase, rate, sick));
            }
            System.out.println();
            System.out.println("Routing benchmark: " + rate + " reads/s arriving (open model), " + phase.toSeconds()
                    + " s per phase");
            results.forEach((name, summary) -> System.out.printf("%-45s %s%n", name, summary));
            for (String strategy : strategies.keySet()) {
                double healthy = results.get(strategy + " / healthy").p99();
                double sickP99 = results.get(strategy + " / one replica frozen 30%").p99();
                System.out.printf("%-45s p99 sick / p99 healthy = %.1f%n", strategy, sickP99 / healthy);
            }
        }
    }

    static Map<String, Supplier<Balancer>> strategies() {
        Map<String, Supplier<Balancer>> strategies = new LinkedHashMap<>();
        strategies.put("round-robin", RoundRobinBalancer::new);
        strategies.put("health-weighted", () -> new PowerOfTwoChoicesBalancer(RandomGenerator.getDefault()));
        return strategies;
    }

    private static LatencyRecorder.Summary run(LocalCluster cluster, Balancer balancer, Duration phase,
            int rate, LocalNode sick) {
        ClusterConfig.Builder config = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.staging());
        for (LocalNode replica : cluster.replicas()) {
            config.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread freezer = sick == null ? null : new Thread(() -> freeze(sick, running), "bench-freezer");
        try (Flowgres flowgres = Flowgres.builder(config.build()).balancer(balancer).build()) {
            load(flowgres, Duration.ofSeconds(2), rate, new LatencyRecorder(1_000_000)); // warm-up
            if (freezer != null) {
                freezer.start();
            }
            LatencyRecorder recorder = new LatencyRecorder(5_000_000);
            long started = System.nanoTime();
            load(flowgres, phase, rate, recorder);
            LatencyRecorder.Summary summary = recorder.summarise((System.nanoTime() - started) / 1e9);
            StringBuilder share = new StringBuilder();
            for (String node : new String[] {"replica-1", "replica-2", "primary"}) {
                share.append(node).append("=").append(flowgres.meterRegistry().find("flowgres.query")
                        .tag("node", node).timers().stream().mapToLong(io.micrometer.core.instrument.Timer::count)
                        .sum()).append(' ');
            }
            System.out.println("attempts by node (with warm-up): " + share + "| slow (>50 ms): "
                    + recorder.countAbove(50_000_000L));
            return summary;
        } finally {
            running.set(false);
            if (freezer != null) {
                join(freezer);
            }
        }
    }

    private static void load(Flowgres flowgres, Duration duration, int rate, LatencyRecorder recorder) {
        // Open model: requests arrive at a fixed rate whatever the latency, so a stalled replica shows
        // in the tail instead of merely slowing the client down (no coordinated omission).
        int perTick = Math.max(1, rate / 100);
        Flux.interval(Duration.ofMillis(10))
                .take(duration)
                .onBackpressureBuffer()
                .concatMap(tick -> Flux.range(0, perTick))
                .flatMap(i -> Mono.defer(() -> {
                    long started = System.nanoTime();
                    int id = ThreadLocalRandom.current().nextInt(1, 10_001);
                    return flowgres.read(READ, connection -> Flux.from(connection
                                            .createStatement("SELECT payload FROM bench WHERE id = $1").bind("$1", id)
                                            .execute())
                                    .flatMap(result -> result.map(row -> row.get(0, String.class))))
                            .then()
                            .doOnSuccess(ignored -> recorder.record(System.nanoTime() - started))
                            .onErrorResume(error -> {
                                recorder.fail();
                                return Mono.empty();
                            });
                }), 10_000)
                .blockLast(duration.plusSeconds(60));
    }

    private static void freeze(LocalNode node, AtomicBoolean running) {
        while (running.get()) {
            node.pause();
            sleep(300);
            node.resume();
            sleep(700);
        }
    }

    private static void seed(LocalCluster cluster) {
        ClusterConfig config = ClusterConfig.builder().primary(cluster.primary().r2dbcUrl())
                .credentials(cluster.user(), cluster.password()).pool(PoolPolicy.test()).build();
        try (Flowgres flowgres = Flowgres.create(config)) {
            flowgres.write(Query.named("bench.seed"), connection -> Flux.from(connection.createStatement(
                            "CREATE TABLE bench (id int PRIMARY KEY, payload text NOT NULL); "
                                    + "INSERT INTO bench SELECT g, md5(g::text) FROM generate_series(1, 10000) g")
                            .execute()).flatMap(result -> result.getRowsUpdated()))
                    .blockLast(Duration.ofSeconds(60));
        }
        cluster.awaitReplication(Duration.ofSeconds(60));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
