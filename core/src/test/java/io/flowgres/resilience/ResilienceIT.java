package io.flowgres.resilience;

import static io.flowgres.ClusterTesting.closeAll;
import static io.flowgres.ClusterTesting.await;
import static io.flowgres.ClusterTesting.execute;
import static io.flowgres.ClusterTesting.join;
import static io.flowgres.ClusterTesting.sleep;
import static io.flowgres.ClusterTesting.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.flowgres.Flowgres;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.Query;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.routing.Route;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Retries, breakers, deadlines and cancellation on a real primary with two streaming replicas,
 * broken on purpose. Each test checks that nothing is lost or duplicated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ResilienceIT {

    private LocalCluster cluster;
    private Flowgres flowgres;

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(2);
        flowgres = Flowgres.create(config()
                .transactionRetry(RetryPolicy.builder().maxAttempts(20).baseDelay(Duration.ofMillis(5))
                        .maxDelay(Duration.ofMillis(200)).build())
                .breaker(BreakerPolicy.builder().minimumCalls(5).window(Duration.ofSeconds(5))
                        .openDuration(Duration.ofSeconds(2)).build())
                .build());
        write("CREATE TABLE ledger (id bigint PRIMARY KEY, amount int NOT NULL)");
        write("CREATE TABLE acked (id text PRIMARY KEY)");
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    private ClusterConfig.Builder config() {
        ClusterConfig.Builder config = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", cluster.primary().r2dbcUrl()))
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.staging().toBuilder().initialSize(1).build());
        for (LocalNode replica : cluster.replicas()) {
            config.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        return config;
    }

    @AfterAll
    void stop() {
        closeAll(flowgres, cluster);
    }

    @Test
    @Order(1)
    void cancellingALongReadStopsItOnTheServerAndFreesTheConnection() {
        Disposable running = flowgres.read(Query.named("resilience.sleepy").withRoute(Route.PRIMARY),
                connection -> strings(connection, "SELECT pg_sleep(30)::text")).subscribe();
        await(() -> sleepingBackends() == 1, Duration.ofSeconds(10));
        running.dispose();

        await(() -> sleepingBackends() == 0, Duration.ofSeconds(5));
        await(() -> flowgres.primary().poolMetrics().orElseThrow().acquiredSize() == 0, Duration.ofSeconds(5));
        assertThat(read(Query.named("resilience.after").withRoute(Route.PRIMARY), "SELECT 'clean'"))
                .containsExactly("clean");
    }

    @Test
    @Order(2)
    void anExhaustedPoolTimesOutExtraCallersAndLeaksNothing() {
        try (Flowgres small = Flowgres.create(config().pool(PoolPolicy.builder().initialSize(0).maxSize(2)
                .maxAcquireTime(Duration.ofMillis(300)).build()).build())) {
            Query slow = Query.named("resilience.slow").withRoute(Route.PRIMARY);
            List<Disposable> hogs = List.of(
                    small.read(slow, connection -> strings(connection, "SELECT pg_sleep(3)::text")).subscribe(),
                    small.read(slow, connection -> strings(connection, "SELECT pg_sleep(3)::text")).subscribe());
            await(() -> small.primary().poolMetrics().orElseThrow().acquiredSize() == 2, Duration.ofSeconds(10));

            long started = System.nanoTime();
            Throwable error = small.read(Query.named("resilience.extra").withRoute(Route.PRIMARY),
                            connection -> strings(connection, "SELECT 1::text"))
                    .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
            assertThat(error).isInstanceOf(QueryTimeoutException.class);
            assertThat(((QueryTimeoutException) error).phase()).isEqualTo(QueryTimeoutException.Phase.ACQUIRE);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("three attempts of 300 ms, with backoff")
                    .isLessThan(Duration.ofSeconds(3));

            await(() -> small.primary().poolMetrics().orElseThrow().acquiredSize() == 0, Duration.ofSeconds(10));
            hogs.forEach(Disposable::dispose);
        }
    }

    @Test
    @Order(3)
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
                "SELECT count(*)::text || '/' || (SELECT amount FROM ledger WHERE id = 0)::text FROM ledger WHERE id > 0"))
                .containsExactly(transactions + "/" + transactions);
        assertThat(flowgres.meterRegistry().find("flowgres.retries").tag("reason", "rollback").counter())
                .as("some transactions were rolled back by conflicts and re-run").isNotNull();
    }

    @Test
    @Order(4)
    void readsRecoverWhenTheirBackendsAreTerminated() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        Flux<String> readers = Flux.range(0, 40)
                .flatMap(i -> flowgres.read(Query.named("resilience.terminated"),
                                connection -> strings(connection, "SELECT pg_sleep(0.3)::text || 'ok'"))
                        .doOnNext(value -> succeeded.incrementAndGet())
                        .onErrorResume(error -> {
                            failures.incrementAndGet();
                            return Mono.empty();
                        }), 8);
        Disposable terminator = Mono.delay(Duration.ofMillis(400)).repeat(4)
                .publishOn(Schedulers.boundedElastic())
                .subscribe(tick -> cluster.replicas().forEach(this::terminateClientBackends));
        readers.blockLast(Duration.ofSeconds(60));
        terminator.dispose();

        assertThat(failures).hasValue(0);
        assertThat(succeeded).hasValue(40);
    }

    @Test
    @Order(5)
    void aReplicaKilledUnderLoadFailsNoRead() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        Disposable killer = Mono.delay(Duration.ofMillis(500)).publishOn(Schedulers.boundedElastic())
                .subscribe(tick -> cluster.replicas().get(0).kill());
        try {
            Flux.range(0, 600)
                    .flatMap(i -> flowgres.read(Query.named("resilience.killed"),
                                    connection -> strings(connection, "SELECT 1::text"))
                            .doOnNext(value -> succeeded.incrementAndGet())
                            .onErrorResume(error -> {
                                failures.incrementAndGet();
                                return Mono.empty();
                            })
                            .delaySubscription(Duration.ofMillis(i * 5L)), 32)
                    .blockLast(Duration.ofSeconds(60));
        } finally {
            killer.dispose();
            await(() -> !cluster.replicas().get(0).isRunning(), Duration.ofSeconds(10));
            cluster.replicas().get(0).start();
        }
        assertThat(failures).hasValue(0);
        assertThat(succeeded).hasValue(600);
    }

    @Test
    @Order(6)
    void writesAcrossAPrimaryRestartSucceedOnceOrFailClearly() {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sequence = new AtomicLong();
        Thread restarter = new Thread(() -> {
            sleep(Duration.ofMillis(700));
            cluster.primary().stop();
            sleep(Duration.ofMillis(700));
            cluster.primary().start();
            sleep(Duration.ofMillis(1500));
            running.set(false);
        });
        restarter.start();
        Flux.range(0, 4).flatMap(writer -> Flux.<String>generate(sink -> {
                            if (running.get()) {
                                sink.next("w" + writer + "-" + sequence.incrementAndGet());
                            } else {
                                sink.complete();
                            }
                        })
                        .concatMap(id -> flowgres.write(Query.named("resilience.ack"),
                                        connection -> execute(connection, "INSERT INTO acked VALUES ('" + id + "')"))
                                .doOnComplete(() -> acknowledged.add(id))
                                .onErrorResume(error -> {
                                    errors.add(error);
                                    return Flux.just(0L).delayElements(Duration.ofMillis(20)).then(Mono.empty());
                                })))
                .blockLast(Duration.ofSeconds(60));
        join(restarter);

        assertThat(acknowledged).hasSizeGreaterThan(20);
        assertThat(errors).as("the outage shows as clear errors").isNotEmpty()
                .allSatisfy(error -> assertThat(error).isInstanceOfAny(UnavailableException.class,
                        OutcomeUnknownException.class, QueryTimeoutException.class));
        List<String> stored = read(Query.named("resilience.stored").withRoute(Route.PRIMARY),
                "SELECT id FROM acked");
        assertThat(stored).doesNotHaveDuplicates().containsAll(acknowledged);
        assertThat(stored.size() - acknowledged.size()).as("only writes whose outcome was unknown may be extra")
                .isLessThanOrEqualTo((int) errors.stream().filter(OutcomeUnknownException.class::isInstance).count());
    }

    @Test
    @Order(7)
    void aStoppedPrimaryOpensTheBreakerSoWritesFailFastAndTrafficRecoversByItself() {
        cluster.primary().stop();
        try {
            // The breaker judges a 5 s window, which may still hold the successes of earlier traffic.
            long giveUp = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (flowgres.primary().breaker().getState() != CircuitBreaker.State.OPEN && System.nanoTime() < giveUp) {
                writeIgnoringErrors();
            }
            Throwable last = flowgres.write(Query.named("resilience.debug"), connection -> execute(connection, "SELECT 1"))
                    .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
            assertThat(flowgres.primary().breaker().getState())
                    .as("breaker after %s; metrics %s; last error %s", flowgres.primary().breaker().getMetrics()
                            .getNumberOfFailedCalls(), flowgres.primary().breaker().getMetrics().getNumberOfSuccessfulCalls(),
                            last == null ? null : last.toString() + " / " + last.getCause())
                    .isEqualTo(CircuitBreaker.State.OPEN);
            List<Long> micros = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long started = System.nanoTime();
                Throwable error = flowgres.write(Query.named("resilience.failFast"),
                                connection -> execute(connection, "INSERT INTO ledger VALUES (-1, 0)"))
                        .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
                micros.add((System.nanoTime() - started) / 1000);
                assertThat(error).isInstanceOf(UnavailableException.class).hasMessageContaining("circuit breaker open");
                assertThat(((UnavailableException) error).retryAfter()).isPositive();
            }
            Collections.sort(micros);
            assertThat(micros.get(micros.size() / 2)).as("median fail-fast time, microseconds").isLessThan(10_000L);
        } finally {
            cluster.primary().start();
        }
        await(() -> {
            writeIgnoringErrors();
            return flowgres.primary().breaker().getState() == CircuitBreaker.State.CLOSED;
        }, Duration.ofSeconds(20));
        write("INSERT INTO ledger VALUES (-2, 0)");
    }

    private void writeIgnoringErrors() {
        flowgres.write(Query.named("resilience.probeWrite"), connection -> execute(connection, "SELECT 1"))
                .onErrorResume(FlowgresException.class, error -> Mono.empty()).blockLast(Duration.ofSeconds(10));
    }

    private void terminateClientBackends(LocalNode node) {
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

    private List<String> read(Query query, String sql) {
        return flowgres.read(query, connection -> strings(connection, sql)).collectList()
                .block(Duration.ofSeconds(30));
    }

    private void write(String sql) {
        flowgres.write(Query.named("resilience.write"), connection -> execute(connection, sql))
                .blockLast(Duration.ofSeconds(30));
    }
}
