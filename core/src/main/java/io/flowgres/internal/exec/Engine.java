package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.internal.SqlStates;
import io.flowgres.internal.metrics.NodeGauges;
import io.flowgres.internal.metrics.PoolMeters;
import io.flowgres.internal.metrics.QueryMetrics;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeConnections;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.internal.r2dbc.FlowgresConnectionFactory;
import io.flowgres.internal.routing.Prober;
import io.flowgres.internal.routing.Router;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.query.Once;
import io.flowgres.query.Query;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.Topology;
import io.flowgres.routing.WriterPositions;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The engine behind the facade, wired once: a {@link Node} per configured node (pools, gate, load
 * tracking), the {@link Router} over them, the {@link Prober} that feeds it, and the
 * {@link QueryExecutor} that runs operations through both. The facade only documents and delegates,
 * so that other entry points (a routing {@code ConnectionFactory}, operator endpoints) can share
 * one engine without reaching into the facade.
 */
public final class Engine {

    private static final Duration IDLE_POLL = Duration.ofMillis(50);

    private final ClusterConfig config;
    private final List<Node> nodes;
    private final Scheduler scheduler;
    private final Router router;
    private final Prober prober;
    private final QueryMetrics metrics;
    private final QueryExecutor executor;
    private final FlowgresConnectionFactory connectionFactory;
    private final Map<String, ConnectionFactory> dedicatedFactories = new ConcurrentHashMap<>();

    /**
     * Opens the nodes (lazily: no connection yet) and starts probing when asked.
     *
     * @param config the validated cluster configuration; the first node is the configured primary
     * @param meterRegistry where pools, breakers, nodes and queries are metered
     * @param scheduler the scheduler of delays, deadlines, hedges and probes
     * @param ticker the nanosecond clock of every time-based decision
     * @param random the randomness of jitter and the default balancer
     * @param balancer how a replica is chosen for a read
     * @param probing whether probes run on their interval
     * @param slowQueries the slow-query log
     * @param observationRegistry where each query attempt is observed ({@link ObservationRegistry#NOOP}: nowhere)
     */
    public Engine(ClusterConfig config, MeterRegistry meterRegistry, Scheduler scheduler, LongSupplier ticker,
            RandomGenerator random, Balancer balancer, boolean probing, SlowQueryLog slowQueries,
            ObservationRegistry observationRegistry) {
        this.config = config;
        this.scheduler = scheduler;
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry
                .of(config.breaker().toCircuitBreakerConfig(SqlStates::isInfrastructureFailure));
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meterRegistry);
        List<Node> opened = new ArrayList<>();
        for (NodeConfig node : config.nodes()) {
            NodeRole role = opened.isEmpty() ? NodeRole.PRIMARY : NodeRole.REPLICA;
            PoolMeters meters = new PoolMeters(meterRegistry, node.name(), role);
            Node created = Node.open(node, role, config, breakers.circuitBreaker(node.name()), scheduler, ticker,
                    meters);
            meters.bind(created);
            opened.add(created);
        }
        this.nodes = List.copyOf(opened);
        this.router = new Router(nodes, balancer, config.routing(), config.availability(), ticker, meterRegistry);
        NodeGauges.bind(meterRegistry, nodes);
        this.prober = new Prober(nodes, config.routing(), scheduler, ticker, router);
        if (probing) {
            prober.start();
        }
        this.metrics = new QueryMetrics(meterRegistry, slowQueries, observationRegistry);
        this.executor = new QueryExecutor(config, router, metrics, scheduler, ticker, random, prober::wake);
        this.connectionFactory = new FlowgresConnectionFactory(nodes, router, ticker);
    }

    /** The executor every operation runs through. */
    public QueryExecutor executor() {
        return executor;
    }

    /**
     * Runs a write at most once per idempotency key (see {@link OnceWrites}).
     *
     * @param query the named query
     * @param key the idempotency key
     * @param fingerprint what identifies the request
     * @param keep how long the key is kept
     * @param work the write, emitting the response to store
     * @return the stored response, whether it was replayed, and a token
     */
    public Mono<Once> writeOnce(Query query, String key, String fingerprint,
            Duration keep, Function<? super Connection, ? extends Mono<String>> work) {
        return OnceWrites.run(executor, scheduler, query, key, fingerprint, keep, work);
    }

    /** The routing R2DBC connection factory over the same nodes, router and breakers. */
    public ConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    /** Query totals and the slow-query log. */
    public QueryMetrics metrics() {
        return metrics;
    }

    /** The cluster as routing sees it now. */
    public Topology topology() {
        return router.topology();
    }

    /** The writer's positions by probe round. */
    public WriterPositions writerPositions() {
        return prober.positions();
    }

    /** Probes every node now; completes when every node's state is updated, never fails. */
    public Mono<Void> probeAll() {
        return prober.probeAll();
    }

    /**
     * A dedicated connection, outside every pool, to the node that takes writes now. Building a
     * driver factory discovers drivers with a ServiceLoader (reads jar files), so it never happens on
     * an event loop or the parallel scheduler, and happens once per node and application name.
     *
     * @param applicationName the {@code application_name} the server shows for it
     * @return the connection, which the caller closes
     */
    public Mono<Connection> connectToWriter(String applicationName) {
        return Mono.defer(() -> {
            Node writer = router.writer();
            String key = writer.name() + '\u0000' + applicationName;
            ConnectionFactory known = dedicatedFactories.get(key);
            Mono<ConnectionFactory> factory = known != null ? Mono.just(known)
                    : Mono.fromCallable(() -> dedicatedFactories.computeIfAbsent(key, ignored -> NodeConnections
                                    .factory(config, writer.config(), config.pool().maxCreateConnectionTime(),
                                            applicationName)))
                            .subscribeOn(Schedulers.boundedElastic());
            return factory.flatMap(chosen -> Mono.from(chosen.create()));
        });
    }

    /**
     * The node of that name, for operator actions on its gate.
     *
     * @param name the node's name
     * @return the node
     * @throws IllegalArgumentException for an unknown name
     */
    public Node node(String name) {
        for (Node node : nodes) {
            if (node.name().equals(name)) {
                return node;
            }
        }
        throw new IllegalArgumentException("node must be one of " + nodes.stream().map(Node::name).toList()
                + ", was '" + name + "'");
    }

    /**
     * Waits until no operation runs on any node, or the time is up.
     *
     * @param timeout the longest wait
     * @return {@code true} when idle, {@code false} when work was still running at the end
     */
    public Mono<Boolean> awaitIdle(Duration timeout) {
        return Flux.interval(Duration.ZERO, IDLE_POLL, scheduler)
                .filter(tick -> topology().inFlight() == 0)
                .next()
                .map(tick -> true)
                .timeout(timeout, Mono.just(false), scheduler);
    }

    /** Stops probing, then closes every node's pools; completes when all are disposed. */
    public Mono<Void> close() {
        return Mono.fromRunnable(prober::close).then(Flux.fromIterable(nodes).flatMap(Node::close).then());
    }
}
