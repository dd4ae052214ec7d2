package io.flowgres.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.UnavailableException;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.r2dbc.FlowgresTransactionManager;
import io.r2dbc.spi.R2dbcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Spring's R2DBC stack over {@link Flowgres#connectionFactory()} on a real primary with two streaming
 * replicas: the {@link FlowgresTransactionManager} sends read-only transactions to a replica and the
 * others to the primary, {@code DatabaseClient} work outside transactions goes to the primary unless
 * marked read-only in the Reactor Context, and {@code @Transactional(readOnly = true)} routes like a
 * read-only {@link TransactionalOperator}; a consistency token, a staleness budget and a
 * replica-only route in the context are honoured. Where the work ran is what the server says:
 * {@code pg_is_in_recovery()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class SpringTransactionRoutingIT {

    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String IN_RECOVERY = "SELECT pg_is_in_recovery()";

    private final PostgresCluster cluster;
    private Flowgres flowgres;
    private DatabaseClient client;
    private FlowgresTransactionManager transactionManager;
    private TransactionalOperator readOnly;
    private TransactionalOperator readWrite;

    SpringTransactionRoutingIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        flowgres = Flowgres.create(cluster.clusterConfig()
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200)).build())
                .applicationName("spring-transaction-routing-it").build());
        client = DatabaseClient.create(flowgres.connectionFactory());
        transactionManager = new FlowgresTransactionManager(flowgres.connectionFactory());
        DefaultTransactionDefinition readOnlyDefinition = new DefaultTransactionDefinition();
        readOnlyDefinition.setReadOnly(true);
        readOnly = TransactionalOperator.create(transactionManager, readOnlyDefinition);
        readWrite = TransactionalOperator.create(transactionManager, new DefaultTransactionDefinition());
        client.sql("CREATE TABLE note (id int PRIMARY KEY, body text)").then().block(SETTLE);
        cluster.awaitReplication(SETTLE);
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @BeforeEach
    void replicasInRotation() {
        Await.everyNodeUp(flowgres, SETTLE);
    }

    @Test
    void aReadOnlyTransactionRunsOnAReplicaAndIsReadOnlyThere() {
        client.sql(IN_RECOVERY + ", current_setting('transaction_read_only')")
                .map(row -> row.get(0, Boolean.class) + "/" + row.get(1, String.class))
                .one()
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectNext("true/on")
                .verifyComplete();
    }

    @Test
    void aReadWriteTransactionRunsOnThePrimaryAndCommits() {
        client.sql("INSERT INTO note (id, body) VALUES (1, 'written') ON CONFLICT (id) DO NOTHING").then()
                .then(inRecovery())
                .as(readWrite::transactional)
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
        assertThat(client.sql("SELECT body FROM note WHERE id = 1").map(row -> row.get(0, String.class)).one()
                .block(SETTLE)).isEqualTo("written");
    }

    @Test
    void aReadOnlyTransactionRefusesWritesEvenOnThePrimary() {
        // The token no replica satisfies sends the read-only transaction to the primary, which takes
        // writes: the refusal comes from SET TRANSACTION READ ONLY, not from recovery.
        client.sql("INSERT INTO note (id, body) VALUES (2, 'refused')").then()
                .as(readOnly::transactional)
                .contextWrite(FlowgresRouting.consistency(ConsistencyToken.writerOnly()))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).cause()
                        .isInstanceOfSatisfying(R2dbcException.class,
                                cause -> assertThat(cause.getSqlState()).isEqualTo("25006")))
                .verify(SETTLE);
        assertThat(client.sql("SELECT count(*) FROM note WHERE id = 2").map(row -> row.get(0, Long.class)).one()
                .block(SETTLE)).isZero();
    }

    @Test
    void aReadOnlyTransactionHonoursAConsistencyTokenNoReplicaHasReached() {
        inRecovery()
                .as(readOnly::transactional)
                .contextWrite(FlowgresRouting.consistency(ConsistencyToken.writerOnly()))
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void aReadWriteTransactionGoesToThePrimaryEvenInsideReadOnlyMarkedWork() {
        inRecovery()
                .as(readWrite::transactional)
                .contextWrite(FlowgresRouting.readOnly())
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void databaseClientWorkRunsOnAReplicaOnlyWhenMarkedReadOnly() {
        inRecovery().contextWrite(FlowgresRouting.readOnly())
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
        inRecovery()
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void aReadOnlyTransactionWithAStalenessBudgetLeavesReplicasFurtherBehind() {
        AtomicInteger id = new AtomicInteger(1000);
        cluster.replicas().forEach(replica -> replica.setApplyDelay(Duration.ofMillis(700)));
        Disposable writer = Flux.interval(Duration.ofMillis(50)).onBackpressureDrop()
                .concatMap(tick -> client.sql("INSERT INTO note (id, body) VALUES ($1, 'lag')")
                        .bind("$1", id.incrementAndGet()).then().onErrorResume(error -> Mono.empty()), 1)
                .subscribe();
        try {
            Await.probed(flowgres, "both replicas over 0.3 s behind", () -> flowgres.topology().nodes().stream()
                    .filter(node -> node.configuredRole().equals("replica"))
                    .allMatch(node -> node.lagSeconds() > 0.3 && node.status().equals("up")), SETTLE);

            inRecovery()
                    .as(readOnly::transactional)
                    .contextWrite(FlowgresRouting.staleness(Duration.ofMillis(100)))
                    .as(StepVerifier::create)
                    .expectNext(false)
                    .verifyComplete();
        } finally {
            writer.dispose();
            cluster.replicas().forEach(replica -> replica.setApplyDelay(Duration.ZERO));
        }
    }

    @Test
    void replicaOnlyWorkFailsAsUnavailableWhenNoReplicaIsEligible() {
        cluster.replicas().forEach(replica -> flowgres.drain(replica.name()));
        try {
            inRecovery()
                    .as(readOnly::transactional)
                    .contextWrite(FlowgresRouting.route(Route.REPLICA_ONLY))
                    .as(StepVerifier::create)
                    .expectErrorSatisfies(error -> assertThat(error).hasCauseInstanceOf(UnavailableException.class))
                    .verify(SETTLE);
            inRecovery()
                    .as(readOnly::transactional)
                    .as(StepVerifier::create)
                    .expectNext(false)
                    .verifyComplete();
        } finally {
            cluster.replicas().forEach(replica -> flowgres.undrain(replica.name()));
        }
    }

    @Test
    void transactionalReadOnlyServiceMethodsRunOnAReplica() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.registerBean(DatabaseClient.class, () -> client);
            context.registerBean(ReactiveTransactionManager.class, () -> transactionManager);
            context.register(TransactionalServices.class);
            context.refresh();
            RecoveryService service = context.getBean(RecoveryService.class);

            service.readOnly().as(StepVerifier::create).expectNext(true).verifyComplete();
            service.readWrite().as(StepVerifier::create).expectNext(false).verifyComplete();
        }
    }

    private Mono<Boolean> inRecovery() {
        return client.sql(IN_RECOVERY).map(row -> row.get(0, Boolean.class)).one();
    }

    /** A service as an application writes one: annotated methods, proxied by Spring. */
    interface RecoveryService {

        /** Whether the server of a read-only transaction is in recovery. */
        Mono<Boolean> readOnly();

        /** Whether the server of a read-write transaction is in recovery. */
        Mono<Boolean> readWrite();
    }

    /** The service's implementation. */
    static final class DatabaseRecoveryService implements RecoveryService {

        private final DatabaseClient client;

        DatabaseRecoveryService(DatabaseClient client) {
            this.client = client;
        }

        @Override
        @Transactional(readOnly = true)
        public Mono<Boolean> readOnly() {
            return client.sql(IN_RECOVERY).map(row -> row.get(0, Boolean.class)).one();
        }

        @Override
        @Transactional
        public Mono<Boolean> readWrite() {
            return client.sql(IN_RECOVERY).map(row -> row.get(0, Boolean.class)).one();
        }
    }

    /** Annotation-driven transactions over the registered transaction manager. */
    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class TransactionalServices {

        @Bean
        RecoveryService recoveryService(DatabaseClient client) {
            return new DatabaseRecoveryService(client);
        }
    }
}
