package io.flowgres.it.r2dbc.spi;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.flowgres.Flowgres;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.metrics.PoolUsage;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.test.Await;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The routing {@code ConnectionFactory} of one facade over a test class's cluster, with what the SPI
 * tests share: work on a connection of the writer or of a replica (closed after it, whatever
 * happens), blocking helpers for setting up and checking (test thread only), and a connection
 * straight to one node, outside Flowgres, to watch what that node runs. Each node's pool holds one
 * connection, so a connection that was not given back starves the next test and a discarded one
 * shows as a new backend pid.
 */
final class RoutedFactory implements AutoCloseable {

    /** The bound of every blocking wait. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private final Flowgres flowgres;

    private RoutedFactory(PostgresCluster cluster, Flowgres flowgres) {
        this.cluster = cluster;
        this.flowgres = flowgres;
    }

    /**
     * Creates the facade and waits until routing sees every node up.
     *
     * @param cluster the test class's cluster
     * @param applicationName the {@code application_name} of its connections
     * @return the factory under test
     */
    static RoutedFactory start(PostgresCluster cluster, String applicationName) {
        Flowgres flowgres = Flowgres.create(cluster.clusterConfig().pool(Sql.ONE_CONNECTION)
                .routing(RoutingPolicy.builder().probeInterval(Duration.ofMillis(200)).build())
                .applicationName(applicationName).build());
        Await.everyNodeUp(flowgres, WAIT);
        return new RoutedFactory(cluster, flowgres);
    }

    Flowgres flowgres() {
        return flowgres;
    }

    ConnectionFactory factory() {
        return flowgres.connectionFactory();
    }

    /** Work on a connection the factory creates without any route in the context: the writer's. */
    <T> Flux<T> onPrimary(Function<Connection, Publisher<T>> work) {
        return Flux.usingWhen(factory().create(), work, Connection::close);
    }

    /** Work on a connection created inside {@link FlowgresRouting#readOnly()}: a replica's. */
    <T> Flux<T> onReplica(Function<Connection, Publisher<T>> work) {
        return onPrimary(work).contextWrite(FlowgresRouting.readOnly());
    }

    /**
     * Creates a connection on the test thread, for tests that take it step by step; the caller closes it.
     *
     * @param readOnly whether to create it inside {@link FlowgresRouting#readOnly()} (a replica's)
     * @return the connection
     */
    Connection create(boolean readOnly) {
        Mono<Connection> created = Mono.from(factory().create());
        return (readOnly ? created.contextWrite(FlowgresRouting.readOnly()) : created).block(WAIT);
    }

    /**
     * The node a connection is connected to, by the port its server listens on.
     *
     * @param connection the connection
     * @return the node
     */
    PostgresNode nodeOf(Connection connection) {
        int port = Integer.parseInt(Sql.strings(connection, "SELECT inet_server_port()::text").blockLast(WAIT));
        return cluster.nodes().stream().filter(node -> node.port() == port).findFirst().orElseThrow();
    }

    /** Whether the server of a connection is in recovery: a replica. */
    static Mono<Boolean> inRecovery(Connection connection) {
        return Flux.from(connection.createStatement("SELECT pg_is_in_recovery()").execute())
                .flatMap(result -> result.map(row -> row.get(0, Boolean.class)))
                .single();
    }

    /** The first column of every row of a query on the connection, as text ({@code "null"} for null). */
    static Flux<String> strings(Connection connection, String sql) {
        return Sql.strings(connection, sql);
    }

    /** Inserts a row into the SPI tests' {@code person} table on the connection; one row updated. */
    static Mono<Long> insertPerson(Connection connection, int id, String name) {
        return Flux.from(connection.createStatement("INSERT INTO person (id, name) VALUES ($1, $2)")
                        .bind("$1", id).bind("$2", name).execute())
                .flatMap(result -> result.getRowsUpdated())
                .single();
    }

    /** The names in the {@code person} table on the writer, in id order. */
    List<String> personNames() {
        return query("SELECT name FROM person ORDER BY id");
    }

    /** The rows of a {@code person} table with ages on the writer, in id order, as {@code id:name:age}. */
    List<String> peopleWithAges() {
        return onPrimary(connection -> Flux.from(connection
                                .createStatement("SELECT id, name, age FROM person ORDER BY id").execute())
                        .flatMap(result -> result.map(row -> row.get("id", Integer.class) + ":"
                                + row.get("name", String.class) + ":" + row.get("age", Integer.class))))
                .collectList()
                .block(WAIT);
    }

    /** Runs a statement on the writer and waits for it. */
    void execute(String sql) {
        onPrimary(connection -> Sql.execute(connection, sql)).blockLast(WAIT);
    }

    /** Runs a query on the writer and returns its first column as text. */
    List<String> query(String sql) {
        return onPrimary(connection -> Sql.strings(connection, sql)).collectList().block(WAIT);
    }

    /** The backend pid of a connection the factory creates without a route. */
    String primaryPid() {
        return onPrimary(connection -> Sql.strings(connection, "SELECT pg_backend_pid()::text")).blockLast(WAIT);
    }

    /** Waits until every replica has replayed what the primary wrote so far. */
    void awaitReplication() {
        cluster.awaitReplication(WAIT);
    }

    /** The primary, to watch it from outside Flowgres. */
    PostgresNode primaryNode() {
        return cluster.primary();
    }

    /** A replica by its index, to watch it from outside Flowgres. */
    PostgresNode replicaNode(int index) {
        return cluster.replicas().get(index);
    }

    /**
     * Runs a query on one node over a connection of its own, opened and closed for it, outside every
     * Flowgres pool.
     *
     * @param node the node
     * @param sql the query
     * @return the first column of every row, as text
     */
    List<String> onNode(PostgresNode node, String sql) {
        ConnectionFactory direct = ConnectionFactories.get(ConnectionFactoryOptions.parse(node.r2dbcUrl()).mutate()
                .option(ConnectionFactoryOptions.USER, cluster.user())
                .option(ConnectionFactoryOptions.PASSWORD, cluster.password())
                .build());
        return Flux.usingWhen(direct.create(), connection -> Sql.strings(connection, sql), Connection::close)
                .collectList()
                .block(WAIT);
    }

    /** The pool figures of a node now. */
    PoolUsage pool(String node) {
        return flowgres.topology().node(node).orElseThrow().pool();
    }

    @Override
    public void close() {
        flowgres.close();
    }
}
