package io.flowgres.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.UnavailableException;
import io.flowgres.routing.Balancer;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.r2dbc.FlowgresTransactionManager;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * What the Flowgres {@code ConnectionFactory} does when a node cannot hand out a connection, on a
 * real primary with two replicas that the tests stop and freeze (and always bring back). With probes
 * off, routing still believes the broken node is up, so only the acquire can find out: a replica
 * that fails it is passed over for another node and no read-only transaction fails, while work that
 * needs the writer fails with an {@link UnavailableException} instead of waiting. Outcomes are
 * asserted, never timings.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class AcquireFailoverIT {

    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String IN_RECOVERY = "SELECT pg_is_in_recovery()";

    private final PostgresCluster cluster;
    private Flowgres watcher;

    AcquireFailoverIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        watcher = Flowgres.create(config().build());
    }

    @AfterAll
    void stop() {
        if (watcher != null) {
            watcher.close();
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
        Await.everyNodeUp(watcher, SETTLE);
    }

    @Test
    void aStoppedReplicaIsPassedOverAtAcquireAndNoReadOnlyTransactionFails() {
        PostgresNode victim = cluster.replicas().get(0);
        // Round robin offers the stopped replica every other time until it is found out.
        try (Flowgres flowgres = Flowgres.builder(config().build()).probing(false).balancer(Balancer.roundRobin())
                .build()) {
            Await.everyNodeUp(flowgres, SETTLE);
            Spring spring = new Spring(flowgres);
            victim.stop();
            try {
                List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
                List<Boolean> onReplica = Flux.range(0, 50)
                        .concatMap(i -> spring.inRecovery().as(spring.readOnly::transactional)
                                .onErrorResume(error -> {
                                    failures.add(error);
                                    return Mono.empty();
                                }))
                        .collectList()
                        .block(SETTLE.multipliedBy(2));

                assertThat(failures).isEmpty();
                assertThat(onReplica).hasSize(50).containsOnly(true);
                Timer failedAcquires = flowgres.meterRegistry().find("flowgres.pool.acquire")
                        .tag("node", victim.name()).tag("outcome", "failure").timer();
                assertThat(failedAcquires).isNotNull();
                assertThat(failedAcquires.count()).as("the stopped replica was tried and failed at acquire")
                        .isPositive();
            } finally {
                victim.start();
            }
        }
    }

    @Test
    void aStoppedPrimaryFailsWriterWorkAsUnavailableWhileReplicasServeReadOnlyWork() {
        PostgresNode primary = cluster.primary();
        try (Flowgres flowgres = Flowgres.builder(config().build()).probing(false).build()) {
            Await.everyNodeUp(flowgres, SETTLE);
            Spring spring = new Spring(flowgres);
            primary.stop();
            try {
                Mono.from(flowgres.connectionFactory().create())
                        .as(StepVerifier::create)
                        .expectError(UnavailableException.class)
                        .verify(SETTLE);
                spring.inRecovery().as(spring.readWrite::transactional)
                        .as(StepVerifier::create)
                        .expectErrorSatisfies(error -> assertThat(error)
                                .hasCauseInstanceOf(UnavailableException.class))
                        .verify(SETTLE);
                spring.inRecovery().as(spring.readOnly::transactional)
                        .as(StepVerifier::create)
                        .expectNext(true)
                        .verifyComplete();
            } finally {
                primary.start();
            }
        }
    }

    @Test
    void aFrozenPrimaryFailsWriterWorkAsUnavailableOnceProbesFindItUnreachable() {
        PostgresNode primary = cluster.primary();
        Spring spring = new Spring(watcher);
        primary.pause();
        try {
            Await.probed(watcher, "the primary down", () -> watcher.topology().node(primary.name()).orElseThrow()
                    .status().equals("down"), SETTLE);
            spring.inRecovery().as(spring.readWrite::transactional)
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(error -> assertThat(error).hasCauseInstanceOf(UnavailableException.class))
                    .verify(SETTLE);
        } finally {
            primary.resume();
        }
    }

    @Test
    void aFrozenReplicaFailsNoReadOnlyTransactionOnceProbesFindItUnreachable() {
        PostgresNode victim = cluster.replicas().get(1);
        Spring spring = new Spring(watcher);
        victim.pause();
        try {
            Await.probed(watcher, "the frozen replica down", () -> watcher.topology().node(victim.name())
                    .orElseThrow().status().equals("down"), SETTLE);
            List<Boolean> onReplica = Flux.range(0, 50)
                    .concatMap(i -> spring.inRecovery().as(spring.readOnly::transactional))
                    .collectList()
                    .block(SETTLE.multipliedBy(2));
            assertThat(onReplica).hasSize(50).containsOnly(true);
        } finally {
            victim.resume();
        }
    }

    private ClusterConfig.Builder config() {
        return cluster.clusterConfig()
                .pool(PoolPolicy.test())
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200)).build())
                .applicationName("acquire-failover-it");
    }

    /** Spring's R2DBC stack over one facade, as the starter wires it. */
    private static final class Spring {

        private final DatabaseClient client;
        private final TransactionalOperator readOnly;
        private final TransactionalOperator readWrite;

        Spring(Flowgres flowgres) {
            FlowgresTransactionManager manager = new FlowgresTransactionManager(flowgres.connectionFactory());
            DefaultTransactionDefinition readOnlyDefinition = new DefaultTransactionDefinition();
            readOnlyDefinition.setReadOnly(true);
            this.client = DatabaseClient.create(flowgres.connectionFactory());
            this.readOnly = TransactionalOperator.create(manager, readOnlyDefinition);
            this.readWrite = TransactionalOperator.create(manager, new DefaultTransactionDefinition());
        }

        Mono<Boolean> inRecovery() {
            return client.sql(IN_RECOVERY).map(row -> row.get(0, Boolean.class)).one();
        }
    }
}
