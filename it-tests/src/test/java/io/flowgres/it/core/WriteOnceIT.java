package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.IdempotencyKeyReusedException;
import io.flowgres.query.Once;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import io.r2dbc.spi.Connection;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * {@code Flowgres.writeOnce} on a real primary: a key writes once however often, and however
 * concurrently, it is used, also while the primary restarts under the calls; a key reused for
 * another request is refused; an expired key writes again. Each test uses its own keys and rows.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class WriteOnceIT {

    private static final Query INSERT = Query.named("once.insert");
    private static final Duration KEEP = Duration.ofHours(1);

    private final PostgresCluster cluster;
    private Flowgres flowgres;

    WriteOnceIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(cluster.clusterConfig().pool(PoolPolicy.test().toBuilder().maxSize(8)
                .maxPendingAcquires(1000).build()).build());
        flowgres.write(Query.named("setup"), connection -> Flux.concat(execute(connection, Once.SCHEMA),
                        execute(connection, "CREATE TABLE once_row (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                                + "test text NOT NULL, payload text NOT NULL)")))
                .blockLast(Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void aRepeatReplaysTheFirstResponseAndWritesNothing() {
        Once first = once("repeat", "k-1", "body-a").block(Duration.ofSeconds(10));
        Once second = once("repeat", "k-1", "body-a").block(Duration.ofSeconds(10));

        assertThat(first.replayed()).isFalse();
        assertThat(second.replayed()).isTrue();
        assertThat(second.response()).isEqualTo(first.response());
        assertThat(rows("repeat")).isEqualTo(1);
    }

    @Test
    void aKeyReusedForAnotherRequestIsRefusedAndWritesNothing() {
        once("reuse", "k-2", "body-a").block(Duration.ofSeconds(10));

        once("reuse", "k-2", "body-b").as(StepVerifier::create)
                .expectError(IdempotencyKeyReusedException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(rows("reuse")).isEqualTo(1);
    }

    @Test
    void concurrentRepeatsWaitForTheFirstAndReplayIt() {
        List<Once> answers = Flux.range(0, 20)
                .flatMap(i -> once("concurrent", "k-3", "body-a"), 20)
                .collectList()
                .block(Duration.ofSeconds(30));

        assertThat(answers).hasSize(20);
        assertThat(answers).extracting(Once::response).containsOnly(answers.get(0).response());
        assertThat(answers).filteredOn(answer -> !answer.replayed()).hasSize(1);
        assertThat(rows("concurrent")).isEqualTo(1);
    }

    @Test
    void anExpiredKeyWritesAgain() {
        Once first = flowgres.writeOnce(INSERT, "k-4", "body-a", Duration.ofMillis(1),
                connection -> insert(connection, "expired")).block(Duration.ofSeconds(10));
        // The key expires 1 ms after its write; poll until the database's clock agrees.
        Await.until("the key expired", () -> "true".equals(flowgres.read(Query.named("once.expired")
                .withRoute(Route.PRIMARY), connection -> strings(connection, "SELECT (expires_at < now())::text "
                        + "FROM flowgres_idempotency WHERE key = 'k-4'")).blockLast(Duration.ofSeconds(10))),
                Duration.ofSeconds(10));
        Once second = flowgres.writeOnce(INSERT, "k-4", "body-a", KEEP, connection -> insert(connection, "expired"))
                .block(Duration.ofSeconds(10));

        assertThat(second.replayed()).isFalse();
        assertThat(second.response()).isNotEqualTo(first.response());
        assertThat(rows("expired")).isEqualTo(2);
    }

    @Test
    void aThousandCallsWithAHundredKeysWriteAHundredRowsWhileThePrimaryRestarts() {
        Map<String, String> firstResponse = new ConcurrentHashMap<>();
        AtomicInteger mismatches = new AtomicInteger();
        AtomicInteger callerRetries = new AtomicInteger();
        List<Integer> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            calls.add(i);
        }
        Mono<Void> restart = Mono.delay(Duration.ofMillis(300))
                .then(Mono.fromRunnable(() -> cluster.primary().restart())
                        .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()))
                .then();

        Flux<Once> load = Flux.fromIterable(calls)
                .flatMap(i -> {
                    String key = "load-" + (i % 100);
                    // A client that did not get an answer sends the same request again with the same key.
                    return once("load", key, "body-" + (i % 100))
                            .retryWhen(Retry.backoff(30, Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500))
                                    .filter(FlowgresException.class::isInstance)
                                    .filter(error -> !(error instanceof IdempotencyKeyReusedException))
                                    .doBeforeRetry(signal -> callerRetries.incrementAndGet()))
                            .doOnNext(answer -> {
                                String known = firstResponse.putIfAbsent(key, answer.response());
                                if (known != null && !known.equals(answer.response())) {
                                    mismatches.incrementAndGet();
                                }
                            });
                }, 32);

        List<Once> answers = Flux.merge(load, restart.thenMany(Flux.empty())).collectList()
                .block(Duration.ofMinutes(3));

        assertThat(answers).as("every call answered").hasSize(1000);
        assertThat(mismatches.get()).as("every repeat answered with the first response").isZero();
        assertThat(rows("load")).as("one row per key, none lost, none twice").isEqualTo(100);
        assertThat(answers).filteredOn(answer -> !answer.replayed()).as("one write per key").hasSize(100);
        System.out.printf("writeOnce under a primary restart: 1000 calls, 100 keys, %d caller retries%n",
                callerRetries.get());
    }

    private Mono<Once> once(String test, String key, String fingerprint) {
        return flowgres.writeOnce(INSERT, test + ":" + key, fingerprint, KEEP, connection -> insert(connection, test));
    }

    /** Inserts a row for the test and answers with its id, as a service would answer with the created resource. */
    private static Mono<String> insert(Connection connection, String test) {
        return Flux.from(connection.createStatement("INSERT INTO once_row (test, payload) VALUES ($1, 'p') RETURNING id")
                        .bind("$1", test).execute())
                .flatMap(result -> result.map(row -> "{\"id\":" + row.get(0, Long.class) + "}"))
                .single();
    }

    private long rows(String test) {
        return flowgres.read(Query.named("once.count").withRoute(Route.PRIMARY), connection -> Sql.strings(connection,
                        "SELECT count(*)::text FROM once_row WHERE test = '" + test + "'"))
                .map(Long::parseLong).blockLast(Duration.ofSeconds(10));
    }
}
