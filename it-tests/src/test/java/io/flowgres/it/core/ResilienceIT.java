package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.flowgres.Flowgres;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.BreakerPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.local.ContainerCluster;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.metrics.PoolUsage;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.Query;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Retries, breakers, deadlines and cancellation on a real primary with two streaming replicas,
 * broken on purpose. Each test checks that nothing is lost or duplicated, starts from a cluster that
 * routing sees healthy, and restores what it broke.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ResilienceIT {

    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private Flowgres flowgres;

    ResilienceIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(resilient().build());
        write("CREATE TABLE ledger (id bigint PRIMARY KEY, amount int NOT NULL)");
        write("CREATE TABLE acked (id text PRIMARY KEY)");
        cluster.awaitReplication(SETTLE);
    }

    /** The configuration of the tests' facades: quick breakers, patient transactions. */
    private ClusterConfig.Builder resilient() {
        return config()
                .transactionRetry(RetryPolicy.builder().maxAttempts(20).baseDelay(Duration.ofMillis(5))
                        .maxDelay(Duration.ofMillis(200)).build())
                // Failures open the breakers here, never slowness: on a busy machine a healthy node's
                // answers can take seconds, and these tests are about nodes that fail, not about speed.
                .breaker(BreakerPolicy.builder().minimumCalls(5).window(Duration.ofSeconds(5))
                        .openDuration(Duration.ofSeconds(2)).slowCallDuration(Duration.ofMinutes(1)).build());
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @BeforeEach
    void healthyCluster() {
        for (PostgresNode node : cluster.nodes()) {
            if (node.isPaused()) {
                node.resume();
            }
            if (!node.isRunning()) {
                node.start();
            }
        }
        // "up": reachable, breaker not open, not ejected, not lagging.
        Await.everyNodeUp(flowgres, SETTLE);
    }

    private ClusterConfig.Builder config() {
        return cluster.clusterConfig().pool(PoolPolicy.staging().toBuilder().initialSize(1).build());
    }

    @Test
    void cancellingALongReadStopsItOnTheServerAndFreesTheConnection() {
        Disposable running = flowgres.read(Query.named("resilience.sleepy").withRoute(Route.PRIMARY),
                connection -> strings(connection, "SELECT pg_sleep(30)::text")).subscribe();
        try {
            Await.until("pg_sleep running on the primary", () -> sleepingBackends() == 1, Duration.ofSeconds(10));
        } finally {
            running.dispose();
        }

        Await.until("pg_sleep stopped on the server", () -> sleepingBackends() == 0, Duration.ofSeconds(5));
        Await.until("the connection back in the pool", () -> pool(flowgres).acquired() == 0
                && primary(flowgres).inFlight() == 0, Duration.ofSeconds(5));
        assertThat(read(Query.named("resilience.after").withRoute(Route.PRIMARY), "SELECT 'clean'"))
                .containsExactly("clean");
    }

    @Test
    void anExhaustedPoolTimesOutExtraCallersAndLeaksNothing() {
        try (Flowgres small = Flowgres.create(config().pool(PoolPolicy.builder().initialSize(0).maxSize(2)
                .maxAcquireTime(Duration.ofMillis(300)).build()).build())) {
            Query slow = Query.named("resilience.slow").withRoute(Route.PRIMARY);
            List<String> hogsDone = Collections.synchronizedList(new ArrayList<>());
            List<Disposable> hogs = List.of(
                    small.read(slow, connection -> strings(connection, "SELECT pg_sleep(3)::text"))
                            .subscribe(hogsDone::add),
                    small.read(slow, connection -> strings(connection, "SELECT pg_sleep(3)::text"))
                            .subscribe(hogsDone::add));
            try {
                Await.until("both connections taken by the hogs", () -> pool(small).acquired() == 2,
                        Duration.ofSeconds(10));

                Throwable error = small.read(Query.named("resilience.extra").withRoute(Route.PRIMARY),
                                connection -> strings(connection, "SELECT 1::text"))
                        .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
                assertThat(error).isInstanceOf(QueryTimeoutException.class);
                assertThat(((QueryTimeoutException) error).phase()).isEqualTo(QueryTimeoutException.Phase.ACQUIRE);
                // Three bounded acquires with backoff, not a wait for the hogs: they still hold the pool.
                assertThat(hogsDone).as("hogs finished before the extra caller's error").isEmpty();
                assertThat(pool(small).acquired()).isEqualTo(2);
                assertThat(retries(small, "resilience.extra", "acquire")).as("retries after acquire timeouts")
                        .isEqualTo(2.0);
                assertThat(attempts(small, "resilience.extra")).as("attempts recorded").isEqualTo(3);

                // The pool takes a connection back and the node's in-flight count drops on completion,
                // which can trail the hogs' last row by a moment: poll for both, then check nothing waits.
                Await.until("the hogs' connections released and their operations ended",
                        () -> pool(small).acquired() == 0 && primary(small).inFlight() == 0, Duration.ofSeconds(10));
                assertThat(hogsDone).containsExactly("", "");
                assertThat(pool(small).pending()).isZero();
            } finally {
                hogs.forEach(Disposable::dispose);
            }
        }
    }

    @Test
    void conflictingSerializableTransactionsAllCommitExactlyOnce() {
        write("INSERT INTO ledger VALUES (0, 0)");
        int transactions = 12;
        Flux.range(1, transactions)
                .flatMap(i -> flowgres.transaction(Query.named("resilience.transfer"), connection ->
                        execute(connection, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                                .thenMany(strings(connection, "SELECT sum(amount)::text FROM ledger"))
                                .thenMany(execute(connection, "INSERT INTO ledger VALUES (" + i + ", 1)"))
                                .thenMany(execute(connection, "UPDATE ledger SET amount = amount + 1 WHERE id = 0"))),
                        transactions)
                .blockLast(Duration.ofSeconds(60));

        assertThat(read(Query.named("resilience.ledger").withRoute(Route.PRIMARY),
                "SELECT count(*)::text || '/' || (SELECT amount FROM ledger WHERE id = 0)::text FROM ledger "
                        + "WHERE id > 0"))
                .containsExactly(transactions + "/" + transactions);
        assertThat(flowgres.meterRegistry().find("flowgres.retries").tag("reason", "rollback").counter())
                .as("some transactions were rolled back by conflicts and re-run").isNotNull();
    }

    @Test
    void readsRecoverWhenTheirBackendsAreTerminated() {
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger succeeded = new AtomicInteger();
        // Its own facade: the retry budget, breakers and ejections start fresh, not spent by other tests.
        try (Flowgres own = Flowgres.create(resilient().build())) {
            Flux<String> readers = Flux.range(0, 40)
                    .flatMap(i -> own.read(Query.named("resilience.terminated"),
                                    connection -> strings(connection, "SELECT pg_sleep(0.3)::text || 'ok'"))
                            .doOnNext(value -> succeeded.incrementAndGet())
                            .onErrorResume(error -> {
                                failures.add(error);
                                return Mono.empty();
                            }), 8);
            // Five rounds of terminations while the reads run; each round ends before the next, never cut short.
            CompletableFuture<Void> terminator = Mono.delay(Duration.ofMillis(400)).repeat(4)
                    .publishOn(Schedulers.boundedElastic())
                    .doOnNext(tick -> cluster.replicas().forEach(this::terminateClientBackends))
                    .then().toFuture();
            try {
                readers.blockLast(Duration.ofSeconds(60));
            } finally {
                terminator.orTimeout(60, TimeUnit.SECONDS).exceptionally(error -> null).join();
            }
        }

        assertThat(failures).isEmpty();
        assertThat(succeeded).hasValue(40);
    }

    @Test
    void aReplicaKilledUnderLoadFailsNoRead() {
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger succeeded = new AtomicInteger();
        PostgresNode victim = cluster.replicas().get(0);
        // Its own facade: the retry budget, breakers and ejections start fresh, not spent by other tests.
        try (Flowgres own = Flowgres.create(resilient().build())) {
            Await.everyNodeUp(own, SETTLE);
            CompletableFuture<Void> killed = Mono.delay(Duration.ofMillis(500))
                    .publishOn(Schedulers.boundedElastic()).doOnNext(tick -> victim.kill()).then().toFuture();
            try {
                Flux.range(0, 600)
                        .flatMap(i -> own.read(Query.named("resilience.killed"),
                                        connection -> strings(connection, "SELECT 1::text"))
                                .doOnNext(value -> succeeded.incrementAndGet())
                                .onErrorResume(error -> {
                                    failures.add(error);
                                    return Mono.empty();
                                })
                                .delaySubscription(Duration.ofMillis(i * 5L)), 32)
                        .blockLast(Duration.ofSeconds(60));
                killed.orTimeout(30, TimeUnit.SECONDS).join();
            } finally {
                killed.orTimeout(30, TimeUnit.SECONDS).exceptionally(error -> null).join();
                if (!victim.isRunning()) {
                    victim.start();
                }
            }
            assertThat(failures).as("failed reads; retries refused by the budget: %s",
                    own.meterRegistry().find("flowgres.retry.budget.exhausted").counters().stream()
                            .mapToDouble(Counter::count).sum()).isEmpty();
            assertThat(succeeded).hasValue(600);
        }
    }

    @Test
    void writesAcrossAPrimaryRestartSucceedOnceOrFailClearly() {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sequence = new AtomicLong();
        PostgresNode primary = cluster.primary();
        // The outage follows the writers' progress, not a clock: writes before, during and after it.
        CompletableFuture<Void> restarter = CompletableFuture.runAsync(() -> {
            try {
                Await.until("writes acknowledged before the outage", () -> acknowledged.size() >= 10, SETTLE);
                primary.stop();
                Await.until("the outage seen by the writers", () -> !errors.isEmpty(), SETTLE);
                primary.start();
                int before = acknowledged.size();
                Await.until("writes acknowledged after the restart", () -> acknowledged.size() >= before + 20, SETTLE);
            } finally {
                running.set(false);
            }
        });
        try {
            fourWriters("w", running, sequence, acknowledged, errors, id -> flowgres.write(
                    Query.named("resilience.ack"), connection -> execute(connection,
                            "INSERT INTO acked VALUES ('" + id + "')")));
            restarter.join();
        } finally {
            running.set(false);
            restarter.orTimeout(120, TimeUnit.SECONDS).exceptionally(error -> null).join();
            if (!primary.isRunning()) {
                primary.start();
            }
        }

        assertThat(acknowledged).hasSizeGreaterThan(20);
        assertThat(errors).as("the outage shows as clear errors").isNotEmpty()
                .allSatisfy(error -> assertThat(error).isInstanceOfAny(UnavailableException.class,
                        OutcomeUnknownException.class, QueryTimeoutException.class));
        // A probe that timed out on the restarting server may still have the writer out of rotation.
        Await.probed(flowgres, "the primary back in rotation", () -> "up".equals(primary(flowgres).status()),
                SETTLE);
        List<String> stored = read(Query.named("resilience.stored").withRoute(Route.PRIMARY),
                "SELECT id FROM acked");
        assertThat(stored).doesNotHaveDuplicates().containsAll(acknowledged);
        assertThat(stored.size() - acknowledged.size()).as("only writes whose outcome was unknown may be extra")
                .isLessThanOrEqualTo((int) errors.stream().filter(OutcomeUnknownException.class::isInstance).count());
    }

    @Test
    void aPrimaryRestartedUnderWritesCostsLatencyNotFailures() {
        // Behind Docker's port proxy a stopped server accepts connections and never answers: it looks
        // hung, not restarting, so writes fail fast there by design (the hold is for refused connections).
        Assumptions.assumeFalse(cluster instanceof ContainerCluster,
                "a stopped server behind Docker's port proxy looks hung, not restarting");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sequence = new AtomicLong();
        // The default retries (a handful of quick attempts, which an outage outlasts), and a hold longer
        // than any restart here, so that the outcome does not depend on the machine's speed.
        try (Flowgres patient = Flowgres.create(config().availability(AvailabilityPolicy.builder()
                .restartHold(Duration.ofSeconds(20)).build()).build())) {
            CompletableFuture<Void> restarter = CompletableFuture.runAsync(() -> {
                try {
                    Await.until("writes acknowledged before the restart", () -> acknowledged.size() >= 10, SETTLE);
                    // A restart slow enough that the default retries (at most 1.5 s of backoff) cannot
                    // bridge it: down for two seconds after the writers have seen it go.
                    cluster.primary().stop();
                    Await.until("the primary seen down", () -> !"up".equals(primary(patient).status()), SETTLE);
                    Mono.delay(Duration.ofSeconds(2)).block();
                    cluster.primary().start();
                    int before = acknowledged.size();
                    Await.until("writes acknowledged after the restart", () -> acknowledged.size() >= before + 20,
                            SETTLE);
                } finally {
                    running.set(false);
                }
            });
            try {
                fourWriters("r", running, sequence, acknowledged, errors, id -> patient.transaction(
                        Query.named("resilience.restartHold"), connection -> execute(connection,
                                "INSERT INTO acked VALUES ('" + id + "')")));
                restarter.join();
            } finally {
                running.set(false);
                restarter.orTimeout(120, TimeUnit.SECONDS).exceptionally(error -> null).join();
            }
        }

        // Transactions cut off before COMMIT re-run once the primary is back; only one whose COMMIT was
        // in flight when the server went away can end without an answer.
        assertThat(errors).as("failures other than an unanswered COMMIT")
                .allSatisfy(error -> assertThat(error).isInstanceOf(OutcomeUnknownException.class));
        Await.probed(flowgres, "the primary back in rotation", () -> "up".equals(primary(flowgres).status()),
                SETTLE);
        List<String> stored = read(Query.named("resilience.restartStored").withRoute(Route.PRIMARY),
                "SELECT id FROM acked WHERE id LIKE 'r%'");
        assertThat(stored).doesNotHaveDuplicates().containsAll(acknowledged);
        assertThat(acknowledged).hasSizeGreaterThan(30);
    }

    @Test
    void aStoppedPrimaryIsRefusedSoWritesFailFastAndTrafficRecoversByItself() {
        cluster.primary().stop();
        try {
            // The prober's verdict (or the breaker, whichever sees the outage first) gates the writer.
            Await.probed(flowgres, "writes to the stopped primary to be refused before any attempt", () -> {
                writeIgnoringErrors();
                return "down".equals(primary(flowgres).status()) || primary(flowgres).breaker().equals("open");
            }, Duration.ofSeconds(15));

            long attemptsBefore = attempts(flowgres, "resilience.failFast");
            double rejectedBefore = rejectedWrites();
            for (int i = 0; i < 20; i++) {
                Throwable error = flowgres.write(Query.named("resilience.failFast"),
                                connection -> execute(connection, "INSERT INTO ledger VALUES (-1, 0)"))
                        .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
                assertThat(error).isInstanceOf(UnavailableException.class)
                        .hasMessageMatching(".*(writer unreachable|circuit breaker open).*");
                assertThat(((UnavailableException) error).retryAfter()).isPositive();
            }
            // Nothing waits on the node: routing refuses each write before any attempt (a write in the
            // first seconds of the outage first waits out the restart hold, since a stop starts as a
            // restart does; none reaches the node either way).
            assertThat(attempts(flowgres, "resilience.failFast")).as("attempts on the primary")
                    .isEqualTo(attemptsBefore);
            assertThat(rejectedWrites() - rejectedBefore).as("writes refused by routing").isEqualTo(20.0);
        } finally {
            cluster.primary().start();
        }
        Await.probed(flowgres, "writes to succeed again and the breaker to close", () -> {
            writeIgnoringErrors();
            return "up".equals(primary(flowgres).status()) && primary(flowgres).breaker().equals("closed");
        }, Duration.ofSeconds(30));
        write("INSERT INTO ledger VALUES (-2, 0)");
    }

    /**
     * Four writers inserting rows with ids {@code <prefix><writer>-<n>} one after another until
     * {@code running} is false, each noting what was acknowledged and what failed.
     */
    private static void fourWriters(String prefix, AtomicBoolean running, AtomicLong sequence,
            Set<String> acknowledged, List<Throwable> errors, Function<String, Flux<Long>> insert) {
        Flux.range(0, 4).flatMap(writer -> Flux.<String>generate(sink -> {
                            if (running.get()) {
                                sink.next(prefix + writer + "-" + sequence.incrementAndGet());
                            } else {
                                sink.complete();
                            }
                        })
                        .concatMap(id -> insert.apply(id)
                                .doOnComplete(() -> acknowledged.add(id))
                                .onErrorResume(error -> {
                                    errors.add(error);
                                    // The writer's own pause after a failure, so that an outage is not a spin.
                                    return Mono.delay(Duration.ofMillis(20)).then(Mono.empty());
                                })))
                .blockLast(Duration.ofSeconds(120));
    }

    private void writeIgnoringErrors() {
        flowgres.write(Query.named("resilience.probeWrite"), connection -> execute(connection, "SELECT 1"))
                .onErrorResume(FlowgresException.class, error -> Mono.empty()).blockLast(Duration.ofSeconds(10));
    }

    private double rejectedWrites() {
        Counter rejected = flowgres.meterRegistry().find("flowgres.routing.decisions").tag("route", "primary")
                .tag("outcome", "rejected").counter();
        return rejected == null ? 0 : rejected.count();
    }

    private void terminateClientBackends(PostgresNode node) {
        try (Flowgres admin = Flowgres.create(ClusterConfig.builder().primary(node.r2dbcUrl())
                .credentials(cluster.user(), cluster.password()).applicationName("resilience-admin")
                .pool(PoolPolicy.test()).build())) {
            admin.read(Query.named("resilience.terminate").withRoute(Route.PRIMARY), connection -> strings(connection,
                            "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity "
                                    + "WHERE application_name = 'flowgres' AND pid <> pg_backend_pid()"))
                    .onErrorResume(error -> Flux.empty()).blockLast(Duration.ofSeconds(10));
        }
    }

    private long sleepingBackends() {
        return Long.parseLong(read(Query.named("resilience.activity").withRoute(Route.PRIMARY),
                "SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' "
                        + "AND state = 'active'").get(0));
    }

    private static NodeView primary(Flowgres flowgres) {
        return flowgres.topology().node("primary").orElseThrow();
    }

    private static PoolUsage pool(Flowgres flowgres) {
        return primary(flowgres).pool();
    }

    private static long attempts(Flowgres flowgres, String query) {
        return flowgres.meterRegistry().find("flowgres.query").tag("query", query).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static double retries(Flowgres flowgres, String query, String reason) {
        return flowgres.meterRegistry().find("flowgres.retries").tag("query", query).tag("reason", reason)
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    private List<String> read(Query query, String sql) {
        return flowgres.read(query, connection -> strings(connection, sql)).collectList()
                .block(Duration.ofSeconds(30));
    }

    private void write(String sql) {
        flowgres.write(Query.named("resilience.write"), connection -> execute(connection, sql))
                .blockLast(Duration.ofSeconds(30));
    }
}
