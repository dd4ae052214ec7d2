package io.flowgres;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.health.HealthReport;
import io.flowgres.internal.Checks;
import io.flowgres.metrics.PoolMeters;
import io.flowgres.metrics.QueryMetrics;
import io.flowgres.metrics.NodeGauges;
import io.flowgres.metrics.QueryStats;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.node.Node;
import io.flowgres.node.NodeRole;
import io.flowgres.resilience.SqlStates;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.PowerOfTwoChoicesBalancer;
import io.flowgres.routing.Prober;
import io.flowgres.routing.Topology;
import io.flowgres.routing.Router;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The entry point: a PostgreSQL cluster (one primary, any number of streaming replicas) behind
 * three reactive operations.
 *
 * <ul>
 *   <li>{@link #read} runs on a replica chosen per attempt (by default falling back to the
 *       primary), retrying transient failures elsewhere;</li>
 *   <li>{@link #write} runs one auto-committed unit of work on the primary and is retried only
 *       when it certainly never reached the server, or the query is idempotent;</li>
 *   <li>{@link #transaction} runs work in a transaction on the primary and re-runs it whole when
 *       PostgreSQL rolled it back ({@code 40001}, {@code 40P01}); its results are emitted only
 *       after {@code COMMIT} succeeded.</li>
 * </ul>
 *
 * <p>Every operation is lazy (nothing happens until subscription), acquires and releases its
 * connection per attempt, runs inside the node's circuit breaker and the operation's deadline,
 * and fails with a {@link FlowgresException}. Cancelling the subscription releases the connection:
 * at once to the pool when the statement had already finished (prefer {@code singleOrEmpty()} to
 * {@code next()} for one-row reads, which lets it finish), otherwise after asking the server to
 * cancel the statement, and then the connection is discarded rather than pooled, because a late
 * cancel signal could abort the next statement on it. With
 * {@link io.flowgres.routing.RoutingPolicy.Builder#hedgeAfter hedging} on, a replica read that has
 * not answered in time also starts on another node and the first answer wins.
 *
 * <pre>{@code
 * Flowgres flowgres = Flowgres.create(ClusterConfig.builder()
 *         .primary("r2dbc:postgresql://db-1:5432/app")
 *         .replica("r2dbc:postgresql://db-2:5432/app")
 *         .credentials("app", secret)
 *         .build());
 * Flux<String> titles = flowgres.read(Query.named("pitches.titles"), connection ->
 *         Flux.from(connection.createStatement("SELECT title FROM pitch WHERE genre = $1")
 *                         .bind("$1", "drama").execute())
 *                 .flatMap(result -> result.map(row -> row.get("title", String.class))));
 * }</pre>
 */
public final class Flowgres implements AutoCloseable {

    private final ClusterConfig config;
    private final Node primary;
    private final List<Node> replicas;
    private final MeterRegistry meterRegistry;
    private final QueryExecutor executor;
    private final QueryMetrics metrics;
    private final Router router;
    private final Prober prober;
    private final Scheduler scheduler;

    private Flowgres(Builder builder) {
        this.config = builder.config;
        this.meterRegistry = builder.meterRegistry;
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry
                .of(config.breaker().toCircuitBreakerConfig(SqlStates::isInfrastructureFailure));
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meterRegistry);
        this.primary = open(config.primary(), NodeRole.PRIMARY, breakers, builder.scheduler);
        List<Node> opened = new ArrayList<>();
        for (NodeConfig replica : config.replicas()) {
            opened.add(open(replica, NodeRole.REPLICA, breakers, builder.scheduler));
        }
        this.replicas = List.copyOf(opened);
        this.scheduler = builder.scheduler;
        Balancer balancer = builder.balancer != null ? builder.balancer
                : new PowerOfTwoChoicesBalancer(builder.random);
        this.router = new Router(nodes(), balancer, config.routing(), config.breaker().openDuration(),
                builder.scheduler, meterRegistry);
        NodeGauges.bind(meterRegistry, nodes());
        this.prober = new Prober(nodes(), config.routing(), builder.scheduler);
        if (builder.probing) {
            prober.start();
        }
        this.metrics = new QueryMetrics(meterRegistry, builder.slowQueries);
        this.executor = new QueryExecutor(config, router, metrics, builder.scheduler, builder.random);
    }

    private Node open(NodeConfig node, NodeRole role, CircuitBreakerRegistry breakers, Scheduler scheduler) {
        PoolMeters meters = new PoolMeters(meterRegistry, node.name(), role);
        Node opened = Node.open(node, role, config, breakers.circuitBreaker(node.name()), scheduler, meters);
        meters.bind(opened);
        return opened;
    }

    /**
     * Connects to a cluster with default collaborators: a private meter registry, Reactor's parallel
     * scheduler for delays and deadlines, health-weighted balancing and probes every second. Connections open lazily.
     *
     * @param config the validated cluster configuration
     * @return the facade; {@link #close()} it when done
     */
    public static Flowgres create(ClusterConfig config) {
        return builder(config).build();
    }

    /**
     * A builder to supply collaborators: a meter registry, a scheduler, randomness, a balancer.
     *
     * @param config the validated cluster configuration
     * @return the builder
     */
    public static Builder builder(ClusterConfig config) {
        return new Builder(config);
    }

    /**
     * Reads on the route the query names (default {@code REPLICA_PREFERRED}).
     *
     * @param query the named query
     * @param work what to do with the connection of one attempt; called once per attempt, so it
     *        must create its statements inside, never reuse a publisher
     * @param <T> the type of the results
     * @return the results, lazily
     */
    public <T> Flux<T> read(Query query, Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.execute(OperationKind.READ, query, work);
    }

    /**
     * Writes on the primary, auto-committed.
     *
     * @param query the named query; mark it {@link Query#idempotent()} if it may be retried after it
     *        may have reached the server
     * @param work what to do with the connection of one attempt
     * @param <T> the type of the results
     * @return the results, lazily
     */
    public <T> Flux<T> write(Query query, Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.execute(OperationKind.WRITE, query, work);
    }

    /**
     * Runs work in one transaction on the primary. Rolled back on error or cancellation; re-run whole
     * when PostgreSQL rolled it back because of a conflict; an {@link OutcomeUnknownException} when
     * the connection was lost during {@code COMMIT}. The results are emitted after the commit.
     *
     * @param query the named query
     * @param work what to do inside the transaction; called once per attempt
     * @param <T> the type of the results
     * @return the results, after the commit
     */
    public <T> Flux<T> transaction(Query query, Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.execute(OperationKind.TRANSACTION, query, work);
    }

    /**
     * Checks every node now, in parallel: a {@code SELECT 1} on a pooled connection, bounded by
     * {@code timeout} per node, bypassing retries so that the report tells the truth.
     *
     * @param timeout the bound on each node's check
     * @return the report; never fails
     */
    public Mono<HealthReport> checkHealth(Duration timeout) {
        Checks.positive(timeout, "timeout");
        return Flux.fromIterable(nodes())
                .flatMapSequential(node -> HealthCheck.probe(node, timeout))
                .collectList()
                .map(reports -> new HealthReport(HealthReport.overall(reports), Instant.now(), reports));
    }

    /**
     * Writes on the primary like {@link #write}, and returns the results with a consistency token
     * taken after the commit, so that a later read with {@link Query#withConsistency} sees the write.
     *
     * @param query the named query
     * @param work what to do with the connection of one attempt
     * @param <T> the type of the results
     * @return the results and the token
     */
    public <T> Mono<Committed<T>> writeCommitted(Query query,
            Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.executeCommitted(OperationKind.WRITE, query, work);
    }

    /**
     * Runs a transaction like {@link #transaction}, and returns the results with a consistency token
     * taken after {@code COMMIT} returned.
     *
     * @param query the named query
     * @param work what to do inside the transaction
     * @param <T> the type of the results
     * @return the results and the token
     */
    public <T> Mono<Committed<T>> transactionCommitted(Query query,
            Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.executeCommitted(OperationKind.TRANSACTION, query, work);
    }

    /**
     * The cluster as routing sees it now: each node's configured and observed role, status, lag,
     * latency average, in-flight count, weight and pool usage.
     *
     * @return the snapshot
     */
    public Topology topology() {
        long now = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
        List<NodeView> views = new ArrayList<>();
        for (Node node : nodes()) {
            views.add(NodeView.of(node, router, now));
        }
        return new Topology(router.primary().name(), views);
    }

    /**
     * Probes every node now instead of waiting for the next interval; for tests and operators.
     *
     * @return completes when every node's state is updated
     */
    public Mono<Void> probeNow() {
        return prober.probeAll();
    }

    /** The configuration this facade was built from. */
    public ClusterConfig config() {
        return config;
    }

    /** The primary node. */
    public Node primary() {
        return primary;
    }

    /** The replica nodes, in configuration order. */
    public List<Node> replicas() {
        return replicas;
    }

    /** The primary followed by the replicas. */
    public List<Node> nodes() {
        List<Node> all = new ArrayList<>(replicas.size() + 1);
        all.add(primary);
        all.addAll(replicas);
        return List.copyOf(all);
    }

    /**
     * Finds a node by name.
     *
     * @param name the node's configured name
     * @return the node
     * @throws IllegalArgumentException when no node has that name
     */
    public Node node(String name) {
        for (Node node : nodes()) {
            if (node.name().equals(name)) {
                return node;
            }
        }
        throw new IllegalArgumentException("node must be one of " + nodes().stream().map(Node::name).toList()
                + ", was '" + name + "'");
    }

    /** Totals of every query attempt since start: count, failures, time; cheap to read. */
    public QueryStats queryStats() {
        return metrics.stats();
    }

    /** The slow-query log: attempts over its threshold, logged and counted per query name. */
    public SlowQueryLog slowQueries() {
        return metrics.slowQueries();
    }

    /** The registry Flowgres records its meters in. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /**
     * Closes every node's pool.
     *
     * @return completes when all pools are disposed
     */
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(prober::close).then(Flux.fromIterable(nodes()).flatMap(Node::close).then());
    }

    /** Closes every node's pool and waits up to 10 s; for {@code main}, tests and container shutdown. */
    @Override
    public void close() {
        closeAsync().block(Duration.ofSeconds(10));
    }

    /** Builds a {@link Flowgres}. Not thread-safe. */
    public static final class Builder {

        private final ClusterConfig config;
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private Scheduler scheduler = Schedulers.parallel();
        private RandomGenerator random = RandomGenerator.getDefault();
        private @Nullable Balancer balancer;
        private boolean probing = true;
        private SlowQueryLog slowQueries = SlowQueryLog.defaults();

        private Builder(ClusterConfig config) {
            this.config = Checks.notNull(config, "config");
        }

        /**
         * Sets where meters are registered (default: a private {@link SimpleMeterRegistry}).
         *
         * @param meterRegistry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Checks.notNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Sets the scheduler that times backoff delays, deadlines and breaker hints; exists to
         * facilitate testing with virtual time.
         *
         * @param scheduler the scheduler (default {@link Schedulers#parallel()})
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Checks.notNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets the randomness used for jitter and balancing; exists to facilitate testing.
         *
         * @param random the generator
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = Checks.notNull(random, "random");
            return this;
        }

        /**
         * Sets how a replica is chosen for a read (default: health-weighted power of two choices).
         *
         * @param balancer the strategy
         * @return this builder
         */
        public Builder balancer(Balancer balancer) {
            this.balancer = Checks.notNull(balancer, "balancer");
            return this;
        }

        /**
         * Sets the slow-query log (default {@link SlowQueryLog#defaults()}: 200 ms).
         *
         * @param slowQueries the log
         * @return this builder
         */
        public Builder slowQueryLog(SlowQueryLog slowQueries) {
            this.slowQueries = Checks.notNull(slowQueries, "slowQueries");
            return this;
        }

        /**
         * Turns the background probes off; routing then knows only what real queries teach it. Exists
         * to facilitate testing with a hand-driven {@link Flowgres#probeNow()}.
         *
         * @param probing whether probes run on their interval (default true)
         * @return this builder
         */
        public Builder probing(boolean probing) {
            this.probing = probing;
            return this;
        }

        /**
         * Builds the facade. Pools open their connections lazily, so this does not block.
         *
         * @return the facade
         */
        public Flowgres build() {
            return new Flowgres(this);
        }
    }
}
