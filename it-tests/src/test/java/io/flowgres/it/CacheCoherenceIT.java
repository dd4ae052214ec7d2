package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cache.InvalidationBroadcaster;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cache.PostgresInvalidations;
import io.flowgres.cache.QueryCache;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Two instances of the reference service on one cluster, each with its own query cache: a write
 * through one reaches the other's cache by {@code NOTIFY} within a second, and after the listener's
 * connection is killed with {@code pg_terminate_backend} coherence comes back by itself; a write whose
 * {@code COMMIT} outlives its deadline reaches the other instance when it commits, because the
 * notification is part of the transaction; while the primary is down the cache is bypassed and its
 * reads are served by the replica.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CacheCoherenceIT {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };
    private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(1);

    private PostgresCluster cluster;
    private ReferenceService writer;
    private ReferenceService reader;

    @BeforeAll
    void startServices(PostgresCluster cluster) {
        this.cluster = cluster;
        String[] cache = {"--flowgres.cache.enabled=true", "--flowgres.cache.reconnect-delay=200ms"};
        writer = ReferenceService.start(cluster, 200, cache);
        reader = ReferenceService.start(cluster, 200, cache);
        awaitListening(reader, Duration.ofSeconds(30));
        awaitListening(writer, Duration.ofSeconds(30));
    }

    @AfterAll
    void stopServices() {
        try {
            if (reader != null) {
                reader.close();
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }

    @Test
    void writeThroughOneInstanceInvalidatesTheOtherWithinASecond() {
        for (int round = 0; round < 5; round++) {
            long id = 31;
            String title = "Coherent " + round;
            readTitle(reader, id);
            readTitle(reader, id);
            patchTitle(writer, id, title);
            Duration took = awaitTitle(reader, id, title, Duration.ofSeconds(10));
            assertThat(took).as("round %d", round).isLessThan(PROPAGATION_BOUND);
        }
    }

    @Test
    void coherenceComesBackAfterTheListenerIsKilled() {
        long id = 41;
        PostgresInvalidations link = reader.bean(PostgresInvalidations.class);
        int killed = link.listenerPid();
        assertThat(killed).isPositive();
        readTitle(reader, id);

        Boolean terminated = writer.bean(Flowgres.class).write(Query.named("it.terminate").withRoute(Route.PRIMARY),
                        connection -> Flux.from(connection.createStatement("SELECT pg_terminate_backend($1)")
                                        .bind("$1", killed).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                .blockFirst(Duration.ofSeconds(10));
        assertThat(terminated).isTrue();
        // A write while the listener is down is missed by NOTIFY; the reader must recover by itself.
        patchTitle(writer, id, "Written while deaf");
        awaitTitle(reader, id, "Written while deaf", Duration.ofSeconds(30));

        QueryCache cache = reader.bean(QueryCache.class);
        // Listening again on a new backend, and the cache serving again (it resumes just after).
        Await.until("the listener back on a new backend and the cache coherent",
                () -> link.isListening() && link.listenerPid() != killed && cache.isCoherent(), Duration.ofSeconds(30));
        assertThat(link.isListening()).isTrue();
        assertThat(link.listenerPid()).isNotEqualTo(killed);
        assertThat(cache.isCoherent()).isTrue();

        readTitle(reader, id);
        readTitle(reader, id);
        patchTitle(writer, id, "After reconnect");
        assertThat(awaitTitle(reader, id, "After reconnect", Duration.ofSeconds(10))).isLessThan(PROPAGATION_BOUND);
    }

    @Test
    void aWriteWhoseCommitOutlivesItsDeadlineReachesTheOtherInstanceWhenItCommits() {
        long id = 51;
        Flowgres flowgres = writer.bean(Flowgres.class);
        // A COMMIT that takes 3 s and survives the client's cancel: a deferred trigger that sleeps.
        flowgres.write(Query.named("it.slowCommitSetup"), connection -> Flux.concat(
                        Sql.execute(connection, "CREATE FUNCTION it_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                                + "BEGIN IF NEW.title = 'Slow commit' THEN BEGIN PERFORM pg_sleep(3); "
                                + "EXCEPTION WHEN query_canceled THEN NULL; END; END IF; RETURN NULL; END $$"),
                        Sql.execute(connection, "CREATE CONSTRAINT TRIGGER it_slow_commit AFTER UPDATE ON pitch "
                                + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION it_slow_commit()")))
                .blockLast(Duration.ofSeconds(10));
        String before = readTitle(reader, id);

        writer.bean(QueryCache.class).invalidateWithin(
                        work -> flowgres.transactionCommitted(Query.named("it.slowCommit").withTimeout(
                                Duration.ofSeconds(1)), work),
                        connection -> Flux.from(connection.createStatement(
                                        "UPDATE pitch SET title = 'Slow commit' WHERE id = $1 RETURNING id")
                                        .bind("$1", id).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))),
                        ids -> ids.stream().map(updated -> "pitch:" + updated).toList())
                .as(StepVerifier::create)
                .expectError(OutcomeUnknownException.class)
                .verify(Duration.ofSeconds(20));
        // While the COMMIT still runs, the reader caches the old title again: only a notification sent
        // at the commit itself (not one sent when the writer gave up waiting) can drop it afterwards.
        assertThat(readTitle(reader, id)).isEqualTo(before);
        assertThat(readTitle(reader, id)).isEqualTo(before);

        Await.until("the slow COMMIT applied", () -> "Slow commit".equals(flowgres.read(Query.named("it.title")
                        .withRoute(Route.PRIMARY), connection -> Sql.strings(connection,
                        "SELECT title FROM pitch WHERE id = " + id)).blockLast(Duration.ofSeconds(10))),
                Duration.ofSeconds(15));
        assertThat(awaitTitle(reader, id, "Slow commit", Duration.ofSeconds(10))).isLessThan(PROPAGATION_BOUND);
    }

    @Test
    void aNotificationTravelsWithTheCommitOfItsTransactionAndNeverWithARollback() {
        Flowgres flowgres = writer.bean(Flowgres.class);
        QueryCache cache = writer.bean(QueryCache.class);
        flowgres.write(Query.named("it.deferredSetup"), connection -> Sql.execute(connection,
                "CREATE TABLE it_deferred (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)")).blockLast(Duration.ofSeconds(10));
        Queue<String> received = new ConcurrentLinkedQueue<>();
        PostgresqlConnection listener = (PostgresqlConnection) flowgres.connectToWriter("it-notifications")
                .block(Duration.ofSeconds(10));
        try {
            Flux.from(listener.createStatement("LISTEN " + PostgresInvalidations.CHANNEL).execute())
                    .flatMap(result -> result.getRowsUpdated()).blockLast(Duration.ofSeconds(10));
            Disposable listening = listener.getNotifications().subscribe(notification ->
                    received.add(String.valueOf(notification.getParameter())));
            try {
                // Fails at COMMIT (a deferred unique violation), after its notification was queued.
                cache.invalidateWithin(work -> flowgres.transactionCommitted(Query.named("it.rolledBack"), work),
                                connection -> Flux.concat(Sql.execute(connection, "INSERT INTO it_deferred VALUES (1)"),
                                        Sql.execute(connection, "INSERT INTO it_deferred VALUES (1)")),
                                rows -> List.of("it-rolled-back"))
                        .as(StepVerifier::create)
                        .expectError(FlowgresException.class)
                        .verify(Duration.ofSeconds(10));
                cache.invalidateWithin(work -> flowgres.transactionCommitted(Query.named("it.committed"), work),
                                connection -> Sql.execute(connection, "INSERT INTO it_deferred VALUES (2)"),
                                rows -> List.of("it-committed"))
                        .block(Duration.ofSeconds(10));

                // Notifications arrive in commit order: once the second is here, the first would have been.
                Await.until("the committed transaction's notification",
                        () -> received.stream().anyMatch(payload -> payload.endsWith(" it-committed")),
                        Duration.ofSeconds(10));
                assertThat(received).noneMatch(payload -> payload.contains("it-rolled-back"));
            } finally {
                listening.dispose();
            }
        } finally {
            Mono.from(listener.close()).block(Duration.ofSeconds(10));
        }
    }

    @Test
    void aWriteWhoseNotificationCannotBeSentIsRolledBack() {
        long id = 61;
        Flowgres flowgres = writer.bean(Flowgres.class);
        String before = readTitle(writer, id);
        QueryCache deaf = QueryCache.builder().broadcaster(new InvalidationBroadcaster() {
            @Override
            public Mono<Void> publish(Set<String> tags) {
                return Mono.error(new IllegalStateException("no way to tell the others"));
            }

            @Override
            public Mono<Boolean> publishWithin(Connection connection, Set<String> tags) {
                return Mono.error(new IllegalStateException("no way to tell the others"));
            }
        }).build();

        deaf.invalidateWithin(work -> flowgres.transactionCommitted(Query.named("it.untold"), work),
                        connection -> Flux.from(connection.createStatement(
                                        "UPDATE pitch SET title = 'Untold' WHERE id = $1 RETURNING id")
                                        .bind("$1", id).execute())
                                .flatMap(result -> result.map(row -> row.get(0, Long.class))),
                        ids -> List.of("pitch:" + id))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(FlowgresException.class)
                        .hasRootCauseMessage("no way to tell the others"))
                .verify(Duration.ofSeconds(10));

        assertThat(flowgres.read(Query.named("it.title").withRoute(Route.PRIMARY), connection -> Sql.strings(
                connection, "SELECT title FROM pitch WHERE id = " + id)).blockLast(Duration.ofSeconds(10)))
                .as("the title in the database").isEqualTo(before);
    }

    @Test
    void anInvalidationLostAfterACommitMakesTheOtherInstancesClearTheirCaches(PostgresCluster cluster) {
        // A link whose "primary" is a standby: every notification it sends after a commit fails.
        try (Flowgres standby = Flowgres.create(ClusterConfig.builder().primary(cluster.replicas().get(0).r2dbcUrl())
                .credentials(cluster.user(), cluster.password()).build())) {
            PostgresInvalidations lost = PostgresInvalidations.builder(standby).reconnectDelay(Duration.ofMillis(100))
                    .build();
            QueryCache cache = QueryCache.builder().broadcaster(lost).build();
            cache.invalidate(List.of("pitch:1")).block(Duration.ofSeconds(20));
            assertThat(lost.isResyncPending()).as("owes the others a request to clear").isTrue();
            lost.close();
            Await.until("the resync stopped with its link", () -> !lost.isResyncPending(), Duration.ofSeconds(10));
        }

        // What another instance sends once the primary takes it again: its id alone. The reader holds a
        // title the database no longer has (changed without a notification); the request clears it.
        long id = 71;
        Flowgres flowgres = writer.bean(Flowgres.class);
        String cached = readTitle(reader, id);
        readTitle(reader, id);
        flowgres.write(Query.named("it.unannounced"), connection -> Sql.execute(connection,
                "UPDATE pitch SET title = 'Changed unannounced' WHERE id = " + id)).blockLast(Duration.ofSeconds(10));
        assertThat(readTitle(reader, id)).as("served from the reader's cache").isEqualTo(cached);
        flowgres.write(Query.named("it.resync"), connection -> Sql.strings(connection,
                "SELECT pg_notify('" + PostgresInvalidations.CHANNEL + "', 'an-instance-that-lost-one')::text"))
                .blockLast(Duration.ofSeconds(10));
        assertThat(awaitTitle(reader, id, "Changed unannounced", Duration.ofSeconds(10)))
                .isLessThan(PROPAGATION_BOUND);
    }

    @Test
    void whileThePrimaryIsDownAReadBypassingTheCacheIsServedByTheReplica() {
        long id = 61;
        QueryCache cache = reader.bean(QueryCache.class);
        MeterRegistry registry = reader.bean(Flowgres.class).meterRegistry();
        cluster.primary().stop();
        try {
            // The invalidation link is gone with the primary: the cache may miss invalidations, so it is
            // bypassed, and a bypassing read is an ordinary one, which a replica serves.
            Await.until("the reader's cache bypassed", () -> !cache.isCoherent(), Duration.ofSeconds(20));
            long onReplica = attemptsOn(registry, "replica-1");
            assertThat(readTitle(reader, id)).isNotBlank();
            assertThat(attemptsOn(registry, "replica-1")).as("read on the replica").isGreaterThan(onReplica);
        } finally {
            cluster.primary().start();
        }
        Await.everyNodeUp(writer.bean(Flowgres.class), Duration.ofSeconds(30));
        Await.everyNodeUp(reader.bean(Flowgres.class), Duration.ofSeconds(30));
        Await.until("the reader's cache coherent again", cache::isCoherent, Duration.ofSeconds(30));
    }

    private static long attemptsOn(MeterRegistry registry, String node) {
        return registry.find("flowgres.query").tag("query", "pitches.byId").tag("node", node).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static void awaitListening(ReferenceService service, Duration bound) {
        PostgresInvalidations link = service.bean(PostgresInvalidations.class);
        Await.until("the cache listening for invalidations", link::isListening, bound);
    }

    private static WebTestClient client(ReferenceService service) {
        return service.client().mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String readTitle(ReferenceService service, long id) {
        Map<String, Object> body = client(service).get().uri("/api/pitches/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JSON).returnResult().getResponseBody();
        assertThat(body).isNotNull();
        return (String) body.get("title");
    }

    private static void patchTitle(ReferenceService service, long id, String title) {
        client(service).patch().uri("/api/pitches/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("title", title)).exchange().expectStatus().isOk().expectBody(Void.class);
    }

    /** Reads until the title shows, and returns how long after the call that took. */
    private static Duration awaitTitle(ReferenceService service, long id, String title, Duration bound) {
        long start = System.nanoTime();
        Await.until("'" + title + "' read back", () -> title.equals(readTitle(service, id)), bound);
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
