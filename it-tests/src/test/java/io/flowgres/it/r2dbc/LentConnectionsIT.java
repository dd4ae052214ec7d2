package io.flowgres.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.it.r2dbc.SpringDataRoutingIT.Note;
import io.flowgres.it.r2dbc.SpringDataRoutingIT.NoteRepository;
import io.flowgres.it.r2dbc.SpringDataRoutingIT.NoteService;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Committed;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.r2dbc.LentConnections;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Spring Data repositories and {@code DatabaseClient} inside the facade's operations through the
 * starter's {@link LentConnections}, on a real primary with two streaming replicas: the work runs on the
 * connection the operation lends (the same server process), a {@code @Transactional} method joins the
 * operation instead of beginning (and committing) a transaction of its own, a write
 * belongs to the operation's transaction (rolled back with it, committed with its token), an enclosing
 * Spring transaction keeps its own connection, and a conflict that Spring translated still re-runs a
 * transaction by the core's rules.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LentConnectionsIT {

    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private AnnotationConfigApplicationContext context;
    private Flowgres flowgres;
    private LentConnections lent;
    private NoteRepository repository;
    private NoteService service;
    private DatabaseClient client;
    private TransactionalOperator readWrite;

    LentConnectionsIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        context = SpringDataRoutingIT.startApplication(cluster, "lent-connections-it");
        flowgres = context.getBean(Flowgres.class);
        lent = context.getBean(LentConnections.class);
        repository = context.getBean(NoteRepository.class);
        service = context.getBean(NoteService.class);
        client = context.getBean(DatabaseClient.class);
        readWrite = TransactionalOperator.create(context.getBean(ReactiveTransactionManager.class));
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @BeforeEach
    void everyNodeInRotation() {
        Await.everyNodeUp(flowgres, SETTLE);
    }

    @Test
    void aRepositoryAndTheClientRunOnTheConnectionTheReadLends() {
        flowgres.read(Query.named("lent.backend"), connection -> backendOf(connection)
                        .flatMapMany(lender -> lent.run(() -> repository.backend()
                                .zipWith(client.sql("SELECT pg_backend_pid()").map(row -> row.get(0, Integer.class))
                                        .one())
                                .map(both -> both.getT1().equals(lender) && both.getT2().equals(lender)))
                                .apply(connection)))
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
    }

    @Test
    void aRepositoryReadOnAReplicaRunsThere() {
        flowgres.read(Query.named("lent.replica"), lent.run(() -> repository.inRecovery()))
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
    }

    @Test
    void aTransactionalMethodJoinsTheReadInsteadOfBeginningATransactionOfItsOwn() {
        // On its own, the method's read-only transaction is enforced on the server (SET TRANSACTION READ
        // ONLY); joined to a read on the primary, its statements run in the read's auto-commit.
        service.whereReadOnlyWorkRuns()
                .as(StepVerifier::create)
                .expectNext("repository=true template=true client=true read-only=on")
                .verifyComplete();
        flowgres.read(Query.named("lent.joined").withRoute(Route.PRIMARY), lent.run(() -> service.whereReadOnlyWorkRuns()))
                .as(StepVerifier::create)
                .expectNext("repository=false template=false client=false read-only=off")
                .verifyComplete();
    }

    @Test
    void aRepositoryWriteBelongsToTheOperationsTransaction() {
        String rolledBack = marker();
        // A @Transactional method of its own would commit the save before the operation fails.
        flowgres.transaction(Query.named("lent.rollback"), lent.run(() -> service.write(rolledBack)
                        .then(Mono.error(new IllegalStateException("the operation fails after the save")))))
                .as(StepVerifier::create)
                .expectErrorSatisfies(error -> assertThat(error).hasStackTraceContaining("fails after the save"))
                .verify(SETTLE);
        assertThat(count(rolledBack)).as("rolled back with the operation").isZero();

        String committed = marker();
        Committed<Long> result = flowgres.transactionCommitted(Query.named("lent.commit"),
                        lent.run(() -> repository.save(new Note(null, committed))
                                .then(client.sql("SELECT count(*) FROM note WHERE body = $1").bind(0, committed)
                                        .map(row -> row.get(0, Long.class)).one())))
                .block(SETTLE);
        assertThat(result).isNotNull();
        assertThat(result.results()).as("the client sees the save: one transaction").containsExactly(1L);
        assertThat(result.token()).as("a token with the commit's position").isNotEqualTo(ConsistencyToken.writerOnly());
        assertThat(count(committed)).isEqualTo(1);
    }

    @Test
    void anEnclosingSpringTransactionKeepsItsOwnConnection() {
        String outer = marker();
        Mono<Long> seenByTheRead = flowgres.read(Query.named("lent.outside").withRoute(Route.PRIMARY),
                        lent.run(() -> client.sql("SELECT count(*) FROM note WHERE body = $1").bind(0, outer)
                                .map(row -> row.get(0, Long.class)).one()))
                .single();
        Mono<Long> afterTheRead = client.sql("SELECT count(*) FROM note WHERE body = $1").bind(0, outer)
                .map(row -> row.get(0, Long.class)).one();

        client.sql("INSERT INTO note (body) VALUES ($1)").bind(0, outer).then()
                // After the read, not beside it: the operation suspends the enclosing transaction while it
                // runs, so a sibling subscribed meanwhile would not find its connection (LentConnections).
                .then(seenByTheRead.zipWhen(seen -> afterTheRead))
                .as(readWrite::transactional)
                .as(StepVerifier::create)
                .assertNext(counts -> {
                    assertThat(counts.getT1()).as("the lent connection does not see the open transaction").isZero();
                    assertThat(counts.getT2()).as("the enclosing transaction is resumed on its connection").isOne();
                })
                .verifyComplete();
        assertThat(count(outer)).as("the enclosing transaction committed").isOne();
    }

    @Test
    void aConflictThatSpringTranslatedReRunsTheTransactionByTheCoresRules() {
        String body = marker();
        AtomicInteger runs = new AtomicInteger();
        flowgres.transaction(Query.named("lent.conflict"), lent.run(() -> repository.save(new Note(null, body))
                        .then(runs.incrementAndGet() == 1
                                ? client.sql("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
                                        .then().thenReturn(0L)
                                : Mono.just(1L))))
                .as(StepVerifier::create)
                .expectNext(1L)
                .verifyComplete();
        assertThat(runs).as("re-run once after the serialization failure").hasValue(2);
        assertThat(count(body)).as("the first run's save was rolled back").isOne();
    }

    private static Mono<Integer> backendOf(Connection connection) {
        return Flux.from(connection.createStatement("SELECT pg_backend_pid()").execute())
                .flatMap(result -> result.map(row -> row.get(0, Integer.class)))
                .single();
    }

    private long count(String body) {
        Long count = flowgres.read(Query.named("lent.count").withRoute(Route.PRIMARY),
                        lent.run(() -> client.sql("SELECT count(*) FROM note WHERE body = $1").bind(0, body)
                                .map(row -> row.get(0, Long.class)).one()))
                .single().block(SETTLE);
        return count == null ? -1 : count;
    }

    private static String marker() {
        return "lent-" + UUID.randomUUID();
    }
}
