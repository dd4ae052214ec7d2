package io.flowgres.load.bench;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.flowgres.local.LocalCluster;
import io.flowgres.web.admission.AdmissionFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Far past capacity (issue #11's overload goal): {@code GET /api/pitches/{id}} of the reference service
 * (cache off, staging pools of at most 20 connections per node) driven by closed-model clients, each on
 * its own HTTP connection, at 1 client (the unloaded latency), at {@code bench.best} clients (about the
 * best throughput on this machine) and at {@code bench.clients} clients (2,000 by default), in
 * alternating rounds on one cluster and one service. Successes and refusals (503, answered by the
 * per-node concurrency limit or a full pool queue) are timed apart; every other outcome is a failure.
 * Prints, per concurrency, throughput of successes and p50/p99/max of both kinds, then the goals:
 * successful throughput at 2,000 at least 0.8x the best, p99 of successes under 4x the unloaded p99,
 * every refusal answered within 50 ms. The 2,000 clients run twice: as clients that send again at once
 * after a refusal (the worst case, every refusal costs a new request), and as clients that wait the
 * refusal's {@code Retry-After} as HTTP asks them to. Most refusals are answered in the connections'
 * Netty pipeline, before WebFlux, and only counted ({@code flowgres.http.admission.rejected}); those
 * WebFlux answers are timed where the service measures them (Boot's {@code http.server.requests} for
 * status 503): on two cores that one process shares with 2,000 client connections, most of a
 * refusal's time at the client is spent in queues of the event loops, not in the service.
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-overload -DskipTests}; knobs
 * {@code -Dbench.seconds} (per round, default 10), {@code -Dbench.rounds} (default 2),
 * {@code -Dbench.best} (default 32), {@code -Dbench.clients} (default 2000).
 */
public final class OverloadBenchmark {

    private static final int PITCHES = 10_000;

    private OverloadBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        Duration round = Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));
        int rounds = Integer.getInteger("bench.rounds", 2);
        int best = Integer.getInteger("bench.best", 32);
        int many = Integer.getInteger("bench.clients", 2000);
        ConnectionProvider connections = ConnectionProvider.builder("overload").maxConnections(many + 1)
                .pendingAcquireMaxCount(-1).build();
        LoopResources clientLoops = LoopResources.create("overload-client", 1, true);
        try (LocalCluster cluster = LocalCluster.start(2);
                ConfigurableApplicationContext service = BenchService.start(cluster, PITCHES,
                        "--flowgres.cache.enabled=false")) {
            cluster.awaitReplication(Duration.ofSeconds(120));
            int port = ((WebServerApplicationContext) service).getWebServer().getPort();
            // The clients on an event loop of their own: on the service's (Reactor Netty's shared loops, which
            // both use by default) every client's work waited in the same queues as the service's.
            HttpClient client = HttpClient.create(connections).runOn(clientLoops).baseUrl("http://127.0.0.1:" + port);
            run(client, Duration.ofSeconds(5), best, new Outcomes());  // warm-up: JIT, pools, limits
            run(client, Duration.ofSeconds(5), many, new Outcomes());

            Outcomes unloaded = new Outcomes();
            Outcomes atBest = new Outcomes();
            Outcomes atMany = new Outcomes();
            Outcomes atManyPatient = new Outcomes();
            run(client, round, 1, unloaded);
            MeterRegistry registry = service.getBean(MeterRegistry.class);
            HistogramSnapshot refusalsBefore = refusals(registry);
            double pipelineBefore = pipelineRefusals(registry);
            for (int i = 0; i < rounds; i++) {
                run(client, round, best, atBest);
                run(client, round, many, atMany);
            }
            HistogramSnapshot refusalsAfter = refusals(registry);
            double pipelineAfter = pipelineRefusals(registry);
            for (int i = 0; i < rounds; i++) {
                atManyPatient.patient = true;
                run(client, round, many, atManyPatient);
            }
            double seconds = round.toNanos() / 1e9 * rounds;
            LatencyRecorder.Summary one = unloaded.ok.summarise(round.toNanos() / 1e9);
            LatencyRecorder.Summary bestOk = atBest.ok.summarise(seconds);
            LatencyRecorder.Summary manyOk = atMany.ok.summarise(seconds);
            LatencyRecorder.Summary manyRefused = atMany.refused.summarise(seconds);

            System.out.println();
            System.out.printf("Overload benchmark: GET /api/pitches/{id}, cache off, %d rounds of %d s per "
                    + "concurrency, closed model, one HTTP connection per client%n", rounds, round.toSeconds());
            print("1 client", unloaded, round.toNanos() / 1e9);
            print(best + " clients", atBest, seconds);
            print(many + " clients", atMany, seconds);
            print(many + " waiting", atManyPatient, seconds);
            long throughWebFlux = refusalsAfter.count() - refusalsBefore.count();
            System.out.printf("refusals of the spinning clients: %,.0f in the connections' pipeline (not timed there); "
                    + "%,d through WebFlux as the service timed them (http.server.requests, status 503), mean %.2f ms, "
                    + "max %.2f ms%n", pipelineAfter - pipelineBefore - throughWebFlux, throughWebFlux,
                    (refusalsAfter.total(TimeUnit.MILLISECONDS) - refusalsBefore.total(TimeUnit.MILLISECONDS))
                            / Math.max(1, refusalsAfter.count() - refusalsBefore.count()),
                    refusalsAfter.max(TimeUnit.MILLISECONDS));
            LatencyRecorder.Summary patientOk = atManyPatient.ok.summarise(seconds);
            System.out.printf("clients waiting Retry-After: successful throughput %.2fx of %d clients, p99 of "
                    + "successes %.1fx unloaded%n", patientOk.throughput() / bestOk.throughput(), best,
                    patientOk.p99() / one.p99());
            double throughputRatio = manyOk.throughput() / bestOk.throughput();
            double p99Ratio = manyOk.p99() / one.p99();
            System.out.printf("goal successful throughput at %d >= 0.8x at %d: %.2fx -> %s%n", many, best,
                    throughputRatio, throughputRatio >= 0.8 ? "met" : "NOT met");
            System.out.printf("goal p99 of successes at %d < 4x unloaded p99 (%.2f ms): %.2f ms, %.1fx -> %s%n",
                    many, one.p99(), manyOk.p99(), p99Ratio, p99Ratio < 4 ? "met" : "NOT met");
            System.out.printf("goal every refusal within 50 ms: %,d refusals, p99 %.2f ms, max %.2f ms -> %s%n",
                    manyRefused.requests(), manyRefused.p99(), manyRefused.max(),
                    manyRefused.requests() == 0 || manyRefused.max() < 50 ? "met" : "NOT met");
            Wrk.find("http://127.0.0.1:" + port, PITCHES).ifPresentOrElse(wrk -> runWrk(wrk, round, best, many, one),
                    () -> System.out.println("wrk is not installed (apt-get install wrk): no figures from a client "
                            + "outside the JVM"));
        } finally {
            connections.dispose();
            clientLoops.dispose();
        }
    }

    /**
     * The same loads from {@code wrk}, a C client outside the JVM (one thread), on the same service:
     * what the service does when its clients do not share its process and cores' time so unevenly.
     */
    private static void runWrk(Wrk wrk, Duration round, int best, int many, LatencyRecorder.Summary jvmUnloaded) {
        wrk.run(best, Duration.ofSeconds(5), false); // its own warm-up of the connections
        Wrk.Result unloaded = wrk.run(1, round, false);
        Wrk.Result atBest = wrk.run(best, round, false);
        Wrk.Result spinning = wrk.run(many, round, false);
        Wrk.Result patient = wrk.run(many, round, true);
        System.out.println();
        System.out.printf("The same from wrk (a C client outside the JVM, one thread, %d s per load; percentiles of "
                + "every answer, successes and refusals together):%n", round.toSeconds());
        System.out.printf("%-13s %s%n", "1 client", unloaded);
        System.out.printf("%-13s %s%n", best + " clients", atBest);
        System.out.printf("%-13s %s%n", many + " clients", spinning);
        System.out.printf("%-13s %s%n", many + " waiting", patient);
        System.out.printf("wrk: successful throughput at %d %.2fx of %d clients (waiting Retry-After %.2fx); p99 of all "
                + "answers %.1fx unloaded (waiting %.1fx); the JVM client's unloaded p99 was %.2f ms%n", many,
                spinning.throughput() / atBest.throughput(), best, patient.throughput() / atBest.throughput(),
                spinning.p99() / unloaded.p99(), patient.p99() / unloaded.p99(), jvmUnloaded.p99());
    }

    /** Requests refused by the admission lanes so far, wherever they were decided. */
    private static double pipelineRefusals(MeterRegistry registry) {
        return registry.find(AdmissionFilter.REJECTED).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Boot's timer of the service's 503 answers (a snapshot; empty before the first). */
    private static HistogramSnapshot refusals(MeterRegistry registry) {
        Timer timer = registry.find("http.server.requests").tag("status", "503").timer();
        return timer == null ? HistogramSnapshot.empty(0, 0, 0) : timer.takeSnapshot();
    }

    private static void print(String label, Outcomes outcomes, double seconds) {
        System.out.printf("%-13s ok      %s%n", label, outcomes.ok.summarise(seconds));
        System.out.printf("%-13s refused %s%n", "", outcomes.refused.summarise(seconds));
        if (outcomes.other.count() > 0 || outcomes.other.summarise(seconds).failures() > 0) {
            System.out.printf("%-13s other   %s%n%s", "", outcomes.other.summarise(seconds),
                    outcomes.other.failureReasons());
        }
    }

    /** Closed model: {@code clients} loops, each sending its next request when the last was answered. */
    private static void run(HttpClient client, Duration phase, int clients, Outcomes outcomes) {
        long deadline = System.nanoTime() + phase.toNanos();
        Flux.range(0, clients)
                .flatMap(worker -> {
                    SplittableRandom random = new SplittableRandom(worker);
                    return Mono.defer(() -> {
                                long started = System.nanoTime();
                                return client.get().uri("/api/pitches/" + (1 + random.nextInt(PITCHES)))
                                        .responseSingle((response, body) -> body.then(Mono.just(response)))
                                        .flatMap(response -> {
                                            int status = response.status().code();
                                            outcomes.record(status, System.nanoTime() - started);
                                            String retryAfter = response.responseHeaders().get("Retry-After");
                                            return status == 503 && outcomes.patient && retryAfter != null
                                                    ? Mono.delay(Duration.ofSeconds(Long.parseLong(retryAfter)))
                                                    : Mono.just(0L);
                                        })
                                        .onErrorResume(error -> {
                                            outcomes.other.fail(error);
                                            return Mono.empty();
                                        });
                            })
                            .repeat(() -> System.nanoTime() < deadline);
                }, clients)
                .blockLast(phase.plusSeconds(120));
    }

    /** What one concurrency's requests got: successes, fast refusals (503) and anything else. */
    private static final class Outcomes {

        final LatencyRecorder ok = new LatencyRecorder(5_000_000);
        final LatencyRecorder refused = new LatencyRecorder(5_000_000);
        final LatencyRecorder other = new LatencyRecorder(100_000);
        /** Whether the clients wait a refusal's {@code Retry-After} before sending again. */
        volatile boolean patient;

        void record(int status, long nanos) {
            if (status == 200) {
                ok.record(nanos);
            } else if (status == 503) {
                refused.record(nanos);
            } else {
                other.record(nanos);
                other.fail(new IllegalStateException("HTTP " + status));
            }
        }
    }
}
