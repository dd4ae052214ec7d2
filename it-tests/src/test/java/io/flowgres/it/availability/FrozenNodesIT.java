package io.flowgres.it.availability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.BreakerPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Query;
import io.flowgres.query.UnavailableException;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.core.instrument.Counter;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Hung nodes on a real cluster (every process of a server stopped with SIGSTOP): reads on a frozen
 * replica are abandoned and answered elsewhere while it is still frozen, the prober takes it out of
 * rotation, and writes to a frozen primary fail fast as unavailable once the prober has seen it,
 * then resume by themselves. Outcomes only: nothing here waits for the freeze to end to pass.
 */
@FlowgresCluster(replicas = 2)
final class FrozenNodesIT {

    private static final Query READ = Query.named("availability.read");
    private static final Query WRITE = Query.named("availability.write");

    private static Flowgres flowgres;

    @BeforeAll
    static void connect(PostgresCluster cluster) {
        ClusterConfig config = cluster.clusterConfig()
                // Room for the test's 16 concurrent reads: this test is about a frozen node, not overload.
                .pool(PoolPolicy.staging())
                .queryTimeout(Duration.ofSeconds(20))
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .build();
        flowgres = Flowgres.create(config);
        flowgres.write(WRITE, connection -> Flux.from(connection.createStatement(
                "CREATE TABLE IF NOT EXISTS availability (id serial PRIMARY KEY, note text)").execute())
                .flatMap(result -> result.getRowsUpdated())).blockLast(Duration.ofSeconds(30));
        cluster.awaitReplication(Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void readsOnAFrozenReplicaAreAnsweredElsewhereWhileItIsStillFrozen(PostgresCluster cluster) {
        PostgresNode frozen = cluster.replicas().get(0);
        AtomicInteger answered = new AtomicInteger();
        frozen.pause();
        try {
            // Concurrent reads from the start of the freeze: some are routed to the frozen replica before
            // the prober has seen it; every one must still be answered, by the other replica or the primary.
            List<Integer> results = Flux.range(0, 200)
                    .flatMap(i -> flowgres.read(READ, connection -> Flux.from(connection
                                    .createStatement("SELECT count(*)::int FROM availability").execute())
                            .flatMap(result -> result.map(row -> row.get(0, Integer.class))))
                            .doOnNext(count -> answered.incrementAndGet()), 16)
                    .collectList()
                    .block(Duration.ofSeconds(60));

            assertThat(results).hasSize(200);
            assertThat(frozen.isPaused()).as("answered while the replica was still frozen").isTrue();
            Await.probed(flowgres, "the prober to take the frozen replica out",
                    () -> "down".equals(status(frozen.name())), Duration.ofSeconds(10));
        } finally {
            frozen.resume();
        }
        Await.probed(flowgres, "the replica to return", () -> "up".equals(status(frozen.name())),
                Duration.ofSeconds(20));
        assertThat(answered).hasValue(200);
    }

    @Test
    void oneProbeRoundTakesAFrozenReplicaOutWhileItsPoolStillHandsOutConnections(PostgresCluster cluster) {
        // A probe that times out while the node answered other work is no verdict (the probe was slow,
        // not the node); a pooled connection handed out involves no round trip, so it must not count as
        // the node answering, or leases of a frozen replica's idle connections would excuse its probe.
        PostgresNode frozen = cluster.replicas().get(1);
        PostgresNode other = cluster.replicas().get(0);
        ConnectionFactory factory = flowgres.connectionFactory();
        Flux.range(0, 32)
                .flatMap(i -> Mono.usingWhen(factory.create(), connection -> Flux.from(connection
                                        .createStatement("SELECT pg_sleep(0.02)").execute())
                                .flatMap(result -> result.getRowsUpdated()).then(), Connection::close)
                        .contextWrite(FlowgresRouting.readOnly()), 16)
                .blockLast(Duration.ofSeconds(30));
        // Read-only leases all go to the replica that freezes: the other is drained.
        flowgres.drain(other.name());
        frozen.pause();
        // Leases without statements, a few hundred a second while the replica is frozen, bounded in time:
        // its idle connections, handed out without a round trip.
        Disposable leasing = Flux.range(0, 20_000)
                .concatMap(i -> Mono.usingWhen(factory.create(), connection -> Mono.empty(), Connection::close)
                        .contextWrite(FlowgresRouting.readOnly())
                        .timeout(Duration.ofSeconds(1))
                        .onErrorResume(error -> Mono.empty())
                        .then(Mono.delay(Duration.ofMillis(2))))
                .take(Duration.ofSeconds(20))
                .subscribe();
        try {
            flowgres.probeNow().block(Duration.ofSeconds(10));
            assertThat(status(frozen.name())).as("the frozen replica after one probe round").isEqualTo("down");
        } finally {
            leasing.dispose();
            frozen.resume();
            flowgres.undrain(other.name());
        }
        Await.probed(flowgres, "the replica to return", () -> "up".equals(status(frozen.name())),
                Duration.ofSeconds(20));
    }

    @Test
    void writesToAFrozenPrimaryFailFastOnceTheProberHasSeenItThenResume(PostgresCluster cluster) {
        PostgresNode primary = cluster.primary();
        primary.pause();
        try {
            Await.probed(flowgres, "the prober to find the primary down", () -> "down".equals(status(primary.name())),
                    Duration.ofSeconds(10));

            flowgres.write(WRITE, connection -> Flux.from(connection
                            .createStatement("INSERT INTO availability (note) VALUES ('while frozen')").execute())
                    .flatMap(result -> result.getRowsUpdated()))
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(refused -> {
                        assertThat(refused).isInstanceOf(UnavailableException.class)
                                .hasMessageContaining("writer unreachable");
                        assertThat(((UnavailableException) refused).retryAfter()).isPositive();
                    })
                    .verify(Duration.ofSeconds(30));
            assertThat(primary.isPaused()).as("refused while the primary was still frozen").isTrue();
        } finally {
            primary.resume();
        }
        Await.until("writes to resume", () -> {
            try {
                flowgres.write(WRITE, connection -> Flux.from(connection
                                .createStatement("INSERT INTO availability (note) VALUES ('after')").execute())
                        .flatMap(result -> result.getRowsUpdated())).blockLast(Duration.ofSeconds(5));
                return true;
            } catch (UnavailableException e) {
                return false;
            }
        }, Duration.ofSeconds(20));
    }

    @Test
    void writesThatFailedOnAFrozenPrimaryDoNotOpenItsBreakerOnceItIsBack(PostgresCluster cluster) {
        // A breaker that keeps calls for a minute and opens for a minute: still counting the freeze's failed
        // writes after the thaw, it would refuse the primary's writes for a minute (open during the freeze
        // already, or on the first calls after it, which reach its minimum of five at the freeze's rate).
        Flowgres facade = Flowgres.create(cluster.clusterConfig()
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .breaker(BreakerPolicy.builder().minimumCalls(5).failureRateThreshold(50)
                        .window(Duration.ofSeconds(60)).openDuration(Duration.ofSeconds(60)).build())
                .build());
        PostgresNode primary = cluster.primary();
        try {
            Await.everyNodeUp(facade, Duration.ofSeconds(20));
            primary.pause();
            try {
                // Sent at once, before any probe has found the primary frozen: they reach it and fail there.
                List<String> failures = Flux.range(0, 4)
                        .flatMap(i -> insert(facade, "frozen " + i).then(Mono.just("written"))
                                .onErrorResume(error -> Mono.just(error.getClass().getSimpleName())))
                        .collectList().block(Duration.ofSeconds(60));
                assertThat(failures).hasSize(4).doesNotContain("written");
                Await.probed(facade, "the prober to find the primary down", () -> "down".equals(status(facade,
                        primary.name())), Duration.ofSeconds(10));
            } finally {
                primary.resume();
            }
            // Back in the prober's eyes: "up", or "breaker-open" while the breaker still counts the freeze.
            Await.probed(facade, "the prober to find the primary back", () -> !"down".equals(status(facade,
                    primary.name())), Duration.ofSeconds(20));

            for (int i = 0; i < 10; i++) {
                assertThat(insert(facade, "after the thaw " + i).block(Duration.ofSeconds(10)))
                        .as("write %s after the primary returned", i).isEqualTo(1L);
            }
        } finally {
            facade.close();
        }
    }

    private static Mono<Long> insert(Flowgres facade, String note) {
        return facade.write(WRITE, connection -> Flux.from(connection
                        .createStatement("INSERT INTO availability (note) VALUES ($1)").bind(0, note).execute())
                .flatMap(result -> result.getRowsUpdated())).single();
    }

    @Test
    void aProbeThatTimesOutOnAFrozenNodeKeepsItsConnectionForTheThaw(PostgresCluster cluster) {
        // A probe that timed out waits for the server's answer on the same connection: the node returns on
        // the connection it had, without a cancel request and a new login on a server that has just thawed
        // (where everyone else reconnects too). Counted on the server: no backend of this facade started
        // between the freeze and its return.
        PostgresNode frozen = cluster.replicas().get(0);
        String applicationName = "it-probe-kept";
        // No connection opened ahead of need: with no reads, the probe connections are the facade's only ones.
        ClusterConfig config = cluster.clusterConfig().applicationName(applicationName)
                .pool(PoolPolicy.test().toBuilder().initialSize(0).build())
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .build();
        try (Flowgres probing = Flowgres.create(config)) {
            Await.probed(probing, "the replica up for the new facade",
                    () -> "up".equals(status(probing, frozen.name())),
                    Duration.ofSeconds(20));
            String before = Sql.onServer(cluster, frozen, "SELECT now()::text");
            frozen.pause();
            try {
                for (int round = 0; round < 3; round++) {
                    probing.probeNow().block(Duration.ofSeconds(10));
                }
                assertThat(status(probing, frozen.name()))
                        .as("the frozen replica after three probe rounds").isEqualTo("down");
            } finally {
                frozen.resume();
            }
            Await.probed(probing, "the replica to return",
                    () -> "up".equals(status(probing, frozen.name())),
                    Duration.ofSeconds(20));
            assertThat(Sql.onServer(cluster, frozen, "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = '"
                    + applicationName + "' AND backend_start > '" + before + "'::timestamptz"))
                    .as("connections the facade opened to the replica since the freeze began").isEqualTo("0");
        }
    }

    @Test
    void aLongQueryIsNotTakenForHungWhenTheNodesIdleConnectionsAreTerminated(PostgresCluster cluster) {
        // A query silent past its silence window has its node checked on the probe connection. That
        // connection terminated meanwhile (an administrator's pg_terminate_backend, a pooler's restart) says
        // nothing about the node, whose query is still running: the check must ask again on a fresh
        // connection rather than fail the query as hung and run it a second time.
        PostgresNode replica = cluster.replicas().get(0);
        PostgresNode other = cluster.replicas().get(1);
        String applicationName = "it-liveness";
        // Which server answered, as it sees itself: its address and port (distinct per local server and
        // per container, where every server listens on 5432 at an address of its own).
        String server = "inet_server_addr()::text || ':' || current_setting('port')";
        String sleep = "SELECT pg_sleep(4)::text || " + server + " AS answered_by";
        try (Flowgres facade = Flowgres.create(cluster.clusterConfig().applicationName(applicationName)
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(500)).build())
                .build())) {
            Await.everyNodeUp(facade, Duration.ofSeconds(20));
            facade.drain(other.name());
            Query longRead = Query.named("availability.long").withRoute(Route.REPLICA_ONLY);
            CompletableFuture<String> answer = facade.read(longRead, connection -> Flux.from(connection
                            .createStatement(sleep).execute())
                    .flatMap(result -> result.map(row -> row.get(0, String.class))))
                    .single().toFuture();
            Await.until("the long query running on the replica", () -> "1".equals(Sql.onServer(cluster, replica,
                    "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = '" + applicationName
                            + "' AND state = 'active' AND query LIKE '%pg_sleep(4)%'")), Duration.ofSeconds(10));
            // Its idle ones, as a pooler or an administrator closes them: not the long query's, nor one a check
            // or a probe is opening at that moment (which would be a different failure: a node refusing).
            assertThat(Sql.onServer(cluster, replica, "SELECT count(pg_terminate_backend(pid))::text "
                    + "FROM pg_stat_activity WHERE application_name = '" + applicationName + "' AND state = 'idle'"))
                    .as("the facade's idle connections to the replica, terminated (its probe connection among them)")
                    .isNotEqualTo("0");

            assertThat(answer.orTimeout(30, TimeUnit.SECONDS).join()).as("the long query's answer")
                    .isEqualTo(Sql.onServer(cluster, replica, "SELECT " + server));
            List<Counter> retries = List.copyOf(facade.meterRegistry().find("flowgres.retries")
                    .tag("query", "availability.long").counters());
            assertThat(retries.stream().mapToDouble(Counter::count).sum())
                    .as("attempts of the long query run again, by reason: %s", retries.stream()
                            .map(counter -> counter.getId().getTag("reason") + "=" + counter.count()).toList())
                    .isZero();
        }
    }

    private static String status(String node) {
        return status(flowgres, node);
    }

    private static String status(Flowgres facade, String node) {
        return facade.topology().node(node).map(NodeView::status).orElseThrow();
    }
}
