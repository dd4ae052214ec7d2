package io.flowgres.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.data.relational.core.query.Criteria.where;
import static org.springframework.data.relational.core.query.Query.query;

import java.time.Duration;
import java.util.function.Function;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.flowgres.web.autoconfigure.FlowgresAutoConfiguration;
import io.flowgres.web.r2dbc.FlowgresR2dbcAutoConfiguration;
import io.flowgres.web.r2dbc.FlowgresTransactionManager;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.data.annotation.Id;
import org.springframework.data.r2dbc.core.R2dbcEntityTemplate;
import org.springframework.data.r2dbc.dialect.DialectResolver;
import org.springframework.data.r2dbc.dialect.PostgresDialect;
import org.springframework.data.r2dbc.repository.Query;
import org.springframework.data.r2dbc.repository.config.EnableR2dbcRepositories;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.reactive.ReactiveCrudRepository;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Spring Data R2DBC over the Flowgres {@code ConnectionFactory}, wired as an application gets it: the
 * starter's auto-configurations ({@link FlowgresAutoConfiguration}, {@link FlowgresR2dbcAutoConfiguration})
 * give the facade, the routing factory, the {@link FlowgresTransactionManager} and a
 * {@link DatabaseClient}; the application adds an {@link R2dbcEntityTemplate}, a
 * {@link ReactiveCrudRepository} and a service with {@code @Transactional} methods. On a real primary
 * with two streaming replicas, repository, template and {@code DatabaseClient} calls in read-only
 * transactions ({@code @Transactional(readOnly = true)}, a read-only {@link TransactionalOperator})
 * run on a replica, and the others on the primary, as the server says ({@code pg_is_in_recovery()});
 * a write in a read-only transaction fails with SQLSTATE 25006; rows written on the primary are read
 * back on a replica once replicated.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class SpringDataRoutingIT {

    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String IN_RECOVERY = "SELECT pg_is_in_recovery()";

    private final PostgresCluster cluster;
    private AnnotationConfigApplicationContext context;
    private Flowgres flowgres;
    private NoteRepository repository;
    private ServerRoleRepository roles;
    private R2dbcEntityTemplate template;
    private DatabaseClient client;
    private NoteService service;
    private TransactionalOperator readOnly;
    private TransactionalOperator readWrite;

    SpringDataRoutingIT(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() {
        context = startApplication(cluster, "spring-data-routing-it");
        flowgres = context.getBean(Flowgres.class);
        repository = context.getBean(NoteRepository.class);
        roles = context.getBean(ServerRoleRepository.class);
        template = context.getBean(R2dbcEntityTemplate.class);
        client = context.getBean(DatabaseClient.class);
        service = context.getBean(NoteService.class);
        ReactiveTransactionManager transactionManager = context.getBean(ReactiveTransactionManager.class);
        DefaultTransactionDefinition readOnlyDefinition = new DefaultTransactionDefinition();
        readOnlyDefinition.setReadOnly(true);
        readOnly = TransactionalOperator.create(transactionManager, readOnlyDefinition);
        readWrite = TransactionalOperator.create(transactionManager, new DefaultTransactionDefinition());
    }

    /**
     * Starts the application on a cluster and creates its table and view, replicated.
     *
     * @param cluster the test class's cluster
     * @param applicationName the {@code application_name} of its connections
     * @return the running application; close it after the class
     */
    static AnnotationConfigApplicationContext startApplication(PostgresCluster cluster, String applicationName) {
        ClusterConfig config = cluster.clusterConfig()
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200)).build())
                .applicationName(applicationName)
                .build();
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean(ClusterConfig.class, () -> config);
        context.register(DataApplication.class);
        context.refresh();
        DatabaseClient client = context.getBean(DatabaseClient.class);
        client.sql("CREATE TABLE note (id bigserial PRIMARY KEY, body text NOT NULL)").then()
                .then(client.sql("CREATE VIEW server_role AS SELECT pg_is_in_recovery() AS in_recovery").then())
                .block(SETTLE);
        cluster.awaitReplication(SETTLE);
        return context;
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @BeforeEach
    void replicasInRotation() {
        Await.everyNodeUp(flowgres, SETTLE);
    }

    @Test
    void theStartersBeansAreTheOnesSpringDataUses() {
        assertThat(context.getBean(ConnectionFactory.class)).isSameAs(flowgres.connectionFactory());
        assertThat(context.getBean(ReactiveTransactionManager.class)).isInstanceOf(FlowgresTransactionManager.class);
        assertThat(DialectResolver.getDialect(flowgres.connectionFactory())).isInstanceOf(PostgresDialect.class);
    }

    @Test
    void readOnlyTransactionalMethodsRunRepositoryTemplateAndDatabaseClientCallsOnAReplica() {
        service.whereReadOnlyWorkRuns()
                .as(StepVerifier::create)
                .expectNext("repository=true template=true client=true read-only=on")
                .verifyComplete();
    }

    @Test
    void readWriteTransactionalMethodsRunThemOnThePrimary() {
        service.whereReadWriteWorkRuns()
                .as(StepVerifier::create)
                .expectNext("repository=false template=false client=false read-only=off")
                .verifyComplete();
    }

    @ParameterizedTest
    @EnumSource(Access.class)
    void aReadOnlyTransactionalOperatorRunsEachKindOfCallOnAReplica(Access access) {
        access.inRecovery(this)
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
    }

    @ParameterizedTest
    @EnumSource(Access.class)
    void aDefaultTransactionalOperatorRunsEachKindOfCallOnThePrimary(Access access) {
        access.inRecovery(this)
                .as(readWrite::transactional)
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @ParameterizedTest
    @EnumSource(Access.class)
    void outsideTransactionsEachKindOfCallRunsOnAReplicaOnlyWhenMarkedReadOnly(Access access) {
        access.inRecovery(this)
                .contextWrite(FlowgresRouting.readOnly())
                .as(StepVerifier::create)
                .expectNext(true)
                .verifyComplete();
        access.inRecovery(this)
                .as(StepVerifier::create)
                .expectNext(false)
                .verifyComplete();
    }

    @Test
    void aRepositoryWriteInAReadOnlyTransactionalMethodFailsAsReadOnly() {
        service.writeInAReadOnlyTransaction("refused")
                .as(StepVerifier::create)
                .expectErrorSatisfies(SpringDataRoutingIT::refusedAsReadOnly)
                .verify(SETTLE);
        assertThat(count("refused")).isZero();
    }

    @Test
    void templateAndDatabaseClientWritesInAReadOnlyTransactionalOperatorFailAsReadOnly() {
        template.insert(new Note(null, "refused by the template"))
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectErrorSatisfies(SpringDataRoutingIT::refusedAsReadOnly)
                .verify(SETTLE);
        client.sql("INSERT INTO note (body) VALUES ('refused by the client')").then()
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectErrorSatisfies(SpringDataRoutingIT::refusedAsReadOnly)
                .verify(SETTLE);
        repository.save(new Note(null, "refused by the repository"))
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectErrorSatisfies(SpringDataRoutingIT::refusedAsReadOnly)
                .verify(SETTLE);
        assertThat(count("refused by the template") + count("refused by the client")
                + count("refused by the repository")).isZero();
    }

    @Test
    void rowsWrittenOnThePrimaryAreReadThroughTheRepositoryOnAReplicaOnceReplicated() {
        Note written = service.write("replicated").block(SETTLE);
        assertThat(written).isNotNull();
        assertThat(written.id()).isNotNull();
        cluster.awaitReplication(SETTLE);

        service.readOnAReplica(written.id())
                .as(StepVerifier::create)
                .expectNext("replicated on a replica: true")
                .verifyComplete();
        template.selectOne(query(where("id").is(written.id())), Note.class)
                .flatMap(note -> repository.inRecovery().map(replica -> note.body() + ":" + replica))
                .as(readOnly::transactional)
                .as(StepVerifier::create)
                .expectNext("replicated:true")
                .verifyComplete();
    }

    private long count(String body) {
        Long count = client.sql("SELECT count(*) FROM note WHERE body = $1").bind(0, body)
                .map(row -> row.get(0, Long.class)).one().block(SETTLE);
        return count == null ? -1 : count;
    }

    private static void refusedAsReadOnly(Throwable error) {
        Throwable cause = error;
        while (cause != null && !(cause instanceof R2dbcException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("an R2DBC error in the chain of %s", error)
                .isInstanceOfSatisfying(R2dbcException.class,
                        refused -> assertThat(refused.getSqlState()).isEqualTo("25006"));
    }

    /** The ways an application asks which server it is on: repository query and CRUD read, template, client. */
    enum Access {
        REPOSITORY_QUERY(test -> test.repository.inRecovery()),
        REPOSITORY_CRUD(test -> test.roles.findAll().single().map(ServerRole::inRecovery)),
        TEMPLATE(test -> test.template.select(ServerRole.class).first().map(ServerRole::inRecovery)),
        DATABASE_CLIENT(test -> test.client.sql(IN_RECOVERY).map(row -> row.get(0, Boolean.class)).one());

        private final Function<SpringDataRoutingIT, Mono<Boolean>> query;

        Access(Function<SpringDataRoutingIT, Mono<Boolean>> query) {
            this.query = query;
        }

        Mono<Boolean> inRecovery(SpringDataRoutingIT test) {
            return Mono.defer(() -> query.apply(test));
        }
    }

    /** A row of the note table. */
    @Table("note")
    record Note(@Id Long id, String body) {
    }

    /** The one row of the {@code server_role} view: whether the server that answers is in recovery. */
    @Table("server_role")
    record ServerRole(@Id boolean inRecovery) {
    }

    /** The view as a repository: its inherited CRUD reads tell where they ran. */
    interface ServerRoleRepository extends ReactiveCrudRepository<ServerRole, Boolean> {
    }

    /** The application's repository, with a query that tells where it ran. */
    interface NoteRepository extends ReactiveCrudRepository<Note, Long> {

        /** Whether the server that runs the repository's query is in recovery. */
        @Query(IN_RECOVERY)
        Mono<Boolean> inRecovery();

        /** The server process of the connection the repository's query runs on. */
        @Query("SELECT pg_backend_pid()")
        Mono<Integer> backend();
    }

    /** A service as an application writes one: annotated methods, proxied by Spring. */
    interface NoteService {

        /** Where the repository, the template and the client run in a read-only transaction. */
        Mono<String> whereReadOnlyWorkRuns();

        /** Where they run in a read-write transaction. */
        Mono<String> whereReadWriteWorkRuns();

        /** Saves a note in a read-write transaction. */
        Mono<Note> write(String body);

        /** Tries to save a note in a read-only transaction. */
        Mono<Note> writeInAReadOnlyTransaction(String body);

        /** Reads a note in a read-only transaction, and says whether a replica served it. */
        Mono<String> readOnAReplica(long id);
    }

    /** The service's implementation over the repository, the template and the client. */
    static final class RoutedNoteService implements NoteService {

        private final NoteRepository repository;
        private final R2dbcEntityTemplate template;
        private final DatabaseClient client;

        RoutedNoteService(NoteRepository repository, R2dbcEntityTemplate template, DatabaseClient client) {
            this.repository = repository;
            this.template = template;
            this.client = client;
        }

        @Override
        @Transactional(readOnly = true)
        public Mono<String> whereReadOnlyWorkRuns() {
            return whereWorkRuns();
        }

        @Override
        @Transactional
        public Mono<String> whereReadWriteWorkRuns() {
            return whereWorkRuns();
        }

        @Override
        @Transactional
        public Mono<Note> write(String body) {
            return repository.save(new Note(null, body));
        }

        @Override
        @Transactional(readOnly = true)
        public Mono<Note> writeInAReadOnlyTransaction(String body) {
            return repository.save(new Note(null, body));
        }

        @Override
        @Transactional(readOnly = true)
        public Mono<String> readOnAReplica(long id) {
            return repository.findById(id)
                    .flatMap(note -> repository.inRecovery().map(replica -> note.body() + " on a replica: " + replica));
        }

        private Mono<String> whereWorkRuns() {
            return repository.inRecovery()
                    .flatMap(byRepository -> template.select(ServerRole.class).first()
                            .map(role -> "repository=" + byRepository + " template=" + role.inRecovery()))
                    .flatMap(soFar -> client.sql(IN_RECOVERY + ", current_setting('transaction_read_only')")
                            .map(row -> soFar + " client=" + row.get(0, Boolean.class) + " read-only="
                                    + row.get(1, String.class))
                            .one());
        }
    }

    /** The application: the starter's auto-configuration, Spring Data R2DBC and annotation-driven transactions. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({FlowgresAutoConfiguration.class, FlowgresR2dbcAutoConfiguration.class})
    @EnableTransactionManagement
    @EnableR2dbcRepositories(basePackageClasses = SpringDataRoutingIT.class, considerNestedRepositories = true,
            includeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE,
                    classes = {NoteRepository.class, ServerRoleRepository.class}))
    static class DataApplication {

        @Bean
        R2dbcEntityTemplate r2dbcEntityTemplate(DatabaseClient client, ConnectionFactory connectionFactory) {
            return new R2dbcEntityTemplate(client, DialectResolver.getDialect(connectionFactory));
        }

        @Bean
        NoteService noteService(NoteRepository repository, R2dbcEntityTemplate template, DatabaseClient client) {
            return new RoutedNoteService(repository, template, client);
        }
    }
}
