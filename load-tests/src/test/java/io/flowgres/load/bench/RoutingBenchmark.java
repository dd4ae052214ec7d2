package io.flowgres.load.bench;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.NodeView;
import io.flowgres.cluster.RoutingPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Compares replica-balancing strategies under the same open-model read load, on a real primary
 * with two streaming replicas: first with both replicas healthy, then with one replica frozen
 * (SIGSTOP) for 300 ms of every second. Prints p50, p99 and throughput per strategy and the ratio
 * of each strategy's p99 with a sick replica to its all-healthy p99; per node, the attempts and
 * how many took over 50 ms; and the slow requests by when they started in the freeze cycle (early
 * ones were in flight or routed before the stall showed; late ones mean the balancer kept choosing
 * the frozen replica). Writes the p99 of each strategy, healthy and sick, as a chart ({@link Charts}).
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-routing -DskipTests}; knobs
 * {@code -Dbench.seconds} (per phase, default 15), {@code -Dbench.rate} (reads per second, default
 * 1500), {@code -Dbench.only} (run only the strategy of that name, e.g. {@code health-weighted}) and
 * {@code -Dbench.trace} (print every node's latency average, in-flight count and status every 20 ms
 * for the first 3 s of the sick phases).
 */
public final class RoutingBenchmark {

    private static final Query READ = Query.named("bench.byId");
    /** When the sick replica was last frozen ({@code System.nanoTime()}), or 0 when none is. */
    private static volatile long frozenAt;
    /** Upper bounds (ms after the freeze began) of the buckets that slow requests are counted in. */
    private static final long[] CYCLE_BUCKETS = {2, 5, 20, 100, 300, 1000};

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
        Map<String, Strategy> strategies = strategies();
        String only = System.getProperty("bench.only");
        if (only != null) {
            strategies.keySet().removeIf(name -> !name.equals(only));
        }
        try (LocalCluster cluster = LocalCluster.start(2)) {
            seed(cluster);
            Map<String, LatencyRecorder.Summary> results = new LinkedHashMap<>();
            for (Map.Entry<String, Strategy> strategy : strategies.entrySet()) {
                results.put(strategy.getKey() + " / healthy",
                        run(cluster, strategy.getValue(), phase, rate, null));
            }
            LocalNode sick = cluster.replicas().get(1);
            for (Map.Entry<String, Strategy> strategy : strategies.entrySet()) {
                results.put(strategy.getKey() + " / one replica frozen 30%",
                        run(cluster, strategy.getValue(), phase, rate, sick));
            }
            System.out.println();
            System.out.println("Routing benchmark: " + rate + " reads/s arriving (open model), " + phase.toSeconds()
                    + " s per phase");
            results.forEach((name, summary) -> System.out.printf("%-45s %s%n", name, summary));
            Map<String, double[]> p99 = Charts.series();
            p99.put("both replicas healthy", new double[strategies.size()]);
            p99.put("replica-2 frozen 300 ms of every second", new double[strategies.size()]);
            int i = 0;
            for (String strategy : strategies.keySet()) {
                double healthy = results.get(strategy + " / healthy").p99();
                double sickP99 = results.get(strategy + " / one replica frozen 30%").p99();
                System.out.printf("%-45s p99 sick / p99 healthy = %.1f%n", strategy, sickP99 / healthy);
                p99.get("both replicas healthy")[i] = healthy;
                p99.get("replica-2 frozen 300 ms of every second")[i++] = sickP99;
            }
            Charts.bars("routing-p99.png", String.format("p99 by balancer, %,d reads/s (open model), %d s per phase, %s",
                    rate, phase.toSeconds(), LocalDate.now()), "p99 (ms, log scale)",
                    List.copyOf(strategies.keySet()), p99, true);
        }
    }

    /**
     * A balancer, the fixed hedging delay of replica reads ({@code null}: none), and whether reads are
     * hedged after the adaptive delay when no fixed one is set.
     */
    record Strategy(Supplier<Balancer> balancer, Duration hedgeAfter, boolean adaptiveHedging) {
    }

    static Map<String, Strategy> strategies() {
        Map<String, Strategy> strategies = new LinkedHashMap<>();
        strategies.put("round-robin", new Strategy(Balancer::roundRobin, null, false));
        strategies.put("health-weighted", new Strategy(
                () -> Balancer.powerOfTwoChoices(RandomGenerator.getDefault()), null, false));
        strategies.put("health-weighted, hedged 50 ms", new Strategy(
                () -> Balancer.powerOfTwoChoices(RandomGenerator.getDefault()), Duration.ofMillis(50), false));
        strategies.put("health-weighted, adaptive hedging (default)", new Strategy(
                () -> Balancer.powerOfTwoChoices(RandomGenerator.getDefault()), null, true));
        return strategies;
    }

    private static LatencyRecorder.Summary run(LocalCluster cluster, Strategy strategy, Duration phase,
            int rate, LocalNode sick) {
        ClusterConfig.Builder config = cluster.clusterConfig()
                .pool(PoolPolicy.staging())
                .routing(RoutingPolicy.builder().hedgeAfter(strategy.hedgeAfter()).build())
                .availability(AvailabilityPolicy.builder().adaptiveHedging(strategy.adaptiveHedging())
                        .concurrencyLimits(!"false".equals(System.getProperty("bench.limits"))).build());
        AtomicBoolean running = new AtomicBoolean(true);
        Thread freezer = sick == null ? null : new Thread(() -> freeze(sick, running), "bench-freezer");
        SimpleMeterRegistry registry =
                new SimpleMeterRegistry();
        // A 50 ms bucket on every attempt timer tells which node the slow requests ran on.
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(
                    Meter.Id id,
                    DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(50_000_000.0).build().merge(config);
            }
        });
        try (Flowgres flowgres = Flowgres.builder(config.build()).balancer(strategy.balancer().get())
                .meterRegistry(registry).build()) {
            LatencyRecorder warmUp = new LatencyRecorder(1_000_000);
            load(flowgres, Duration.ofSeconds(2), rate, warmUp, null);
            String warmUpFailures = warmUp.failureReasons();
            if (!warmUpFailures.isEmpty()) {
                System.out.print("warm-up: " + warmUpFailures);
            }
            if (System.getProperty("bench.trace") != null) {
                StringBuilder outcomes = new StringBuilder("warm-up attempts:");
                for (Timer timer : flowgres.meterRegistry().find("flowgres.query").timers()) {
                    outcomes.append(' ').append(timer.getId().getTag("node")).append('/')
                            .append(timer.getId().getTag("outcome")).append('=').append(timer.count());
                }
                flowgres.topology().nodes().forEach(node -> outcomes.append(' ').append(node.name()).append(':')
                        .append(node.breaker()));
                for (Counter retries : flowgres.meterRegistry().find("flowgres.retries").counters()) {
                    outcomes.append(" retry/").append(retries.getId().getTag("reason")).append('=')
                            .append((long) retries.count());
                }
                System.out.println(outcomes);
            }
            if (freezer != null) {
                freezer.start();
            }
            if (System.getProperty("bench.trace") != null && sick != null) {
                Thread tracer = new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        StringBuilder line = new StringBuilder(String.format("t=%4d ", frozenAt == 0 ? -1
                                : (System.nanoTime() - frozenAt) / 1_000_000));
                        for (NodeView node : flowgres.topology().nodes()) {
                            line.append(String.format("%s[ewma=%.1f inflight=%d pool=%d/%d+%d %s %s] ",
                                    node.name(), node.ewmaMillis(), node.inFlight(), node.pool().acquired(),
                                    node.pool().max(), node.pool().pending(), node.status(), node.breaker()));
                        }
                        System.out.println(line);
                        sleep(20);
                    }
                }, "bench-tracer");
                tracer.setDaemon(true);
                tracer.start();
            }
            LatencyRecorder recorder = new LatencyRecorder(5_000_000);
            long[] slowByCycle = new long[CYCLE_BUCKETS.length + 1];
            long started = System.nanoTime();
            load(flowgres, phase, rate, recorder, slowByCycle);
            LatencyRecorder.Summary summary = recorder.summarise((System.nanoTime() - started) / 1e9);
            StringBuilder share = new StringBuilder();
            for (String node : new String[] {"replica-1", "replica-2", "primary"}) {
                Collection<Timer> timers = flowgres.meterRegistry()
                        .find("flowgres.query").tag("node", node).timers();
                share.append(node).append("=").append(timers.stream()
                                .mapToLong(Timer::count).sum())
                        .append(String.format(" (>50 ms: %d) ", timers.stream().mapToLong(timer -> {
                            HistogramSnapshot snapshot = timer.takeSnapshot();
                            double fast = snapshot.histogramCounts().length == 0 ? snapshot.count()
                                    : snapshot.histogramCounts()[0].count();
                            return snapshot.count() - (long) fast;
                        }).sum()));
            }
            double hedges = flowgres.meterRegistry().find("flowgres.retries").tag("reason", "hedge").counters()
                    .stream().mapToDouble(Counter::count).sum();
            StringBuilder decisions = new StringBuilder();
            for (Counter counter : flowgres.meterRegistry().find("flowgres.routing.decisions").tag("route",
                    "replica_preferred").counters()) {
                if (counter.count() > 0) {
                    decisions.append(' ').append(counter.getId().getTag("outcome")).append('=')
                            .append((long) counter.count());
                }
            }
            System.out.println("attempts by node (with warm-up): " + share + "| slow (>50 ms): "
                    + recorder.countAbove(50_000_000L) + " | hedges: " + (long) hedges + " | routed:" + decisions);
            System.out.print(recorder.failureReasons());
            if (sick != null) {
                StringBuilder cycle = new StringBuilder("slow requests by start, ms after the freeze began:");
                long lower = 0;
                for (int i = 0; i < CYCLE_BUCKETS.length; i++) {
                    cycle.append(' ').append(lower).append('-').append(CYCLE_BUCKETS[i]).append('=')
                            .append(slowByCycle[i]);
                    lower = CYCLE_BUCKETS[i];
                }
                System.out.println(cycle.append(" other=").append(slowByCycle[CYCLE_BUCKETS.length]));
            }
            return summary;
        } finally {
            running.set(false);
            if (freezer != null) {
                join(freezer);
            }
            frozenAt = 0;
        }
    }

    private static void load(Flowgres flowgres, Duration duration, int rate, LatencyRecorder recorder,
            long[] slowByCycle) {
        // Open model: requests arrive at a fixed rate whatever the latency, so a stalled replica shows
        // in the tail instead of merely slowing the client down (no coordinated omission).
        int perTick = Math.max(1, rate / 100);
        Flux.interval(Duration.ofMillis(10))
                .take(duration)
                .onBackpressureBuffer()
                .concatMap(tick -> Flux.range(0, perTick))
                .flatMap(i -> Mono.defer(() -> {
                    long started = System.nanoTime();
                    long freezeBegan = frozenAt;
                    int id = ThreadLocalRandom.current().nextInt(1, 10_001);
                    return flowgres.read(READ, connection -> Flux.from(connection
                                            .createStatement("SELECT payload FROM bench WHERE id = $1").bind("$1", id)
                                            .execute())
                                    .flatMap(result -> result.map(row -> row.get(0, String.class))))
                            .then()
                            .doOnSuccess(ignored -> {
                                long latency = System.nanoTime() - started;
                                recorder.record(latency);
                                if (slowByCycle != null && latency > 50_000_000L) {
                                    countSlow(slowByCycle, freezeBegan == 0 ? -1 : (started - freezeBegan) / 1_000_000);
                                }
                            })
                            .onErrorResume(error -> {
                                recorder.fail(error);
                                return Mono.empty();
                            });
                }), 10_000)
                .blockLast(duration.plusSeconds(60));
    }

    /** Counts a slow request by when it started in the freeze cycle, which tells detection lag from overload. */
    private static synchronized void countSlow(long[] buckets, long sinceFreeze) {
        for (int i = 0; i < CYCLE_BUCKETS.length; i++) {
            if (sinceFreeze >= 0 && sinceFreeze < CYCLE_BUCKETS[i]) {
                buckets[i]++;
                return;
            }
        }
        buckets[CYCLE_BUCKETS.length]++;
    }

    private static void freeze(LocalNode node, AtomicBoolean running) {
        while (running.get()) {
            frozenAt = System.nanoTime();
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
