package io.flowgres;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.internal.Checks;
import io.flowgres.internal.exec.Engine;
import io.flowgres.internal.exec.OperationKind;
import io.flowgres.internal.exec.QueryExecutor;
import io.flowgres.internal.node.Node;
import io.flowgres.metrics.QueryStats;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.query.Committed;
import io.flowgres.query.IdempotencyKeyReusedException;
import io.flowgres.query.Once;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.Query;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.Topology;
import io.flowgres.routing.WriterPositions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
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
 *       writer), retrying transient failures elsewhere;</li>
 *   <li>{@link #write} runs one auto-committed unit of work on the writer and is retried only
 *       when it certainly never reached the server, or the query is idempotent;</li>
 *   <li>{@link #transaction} runs work in a transaction on the writer; its results are emitted
 *       only after {@code COMMIT} succeeded.</li>
 * </ul>
 *
 * <p>Every operation is lazy (nothing happens until subscription), acquires and releases its
 * connection per attempt, runs inside the node's circuit breaker and the operation's deadline,
 * and fails with a {@link io.flowgres.query.FlowgresException}.
 *
 * <p><b>Retries.</b> An attempt that fails is retried, after a jittered exponential backoff and
 * within a cluster-wide retry budget, on a node chosen afresh, when:
 * <ul>
 *   <li>nothing reached the server (no connection could be had, the breaker was open);</li>
 *   <li>a read failed transiently (connection lost, server shut down, timeout, {@code 53300},
 *       {@code 40001}/{@code 40P01}) and had emitted nothing yet;</li>
 *   <li>a transaction was rolled back by PostgreSQL ({@code 40001}, {@code 40P01}), or its
 *       connection failed or timed out before {@code COMMIT} was sent (PostgreSQL rolls such a
 *       transaction back): the function then runs again, so it must have no side effects outside
 *       the database;</li>
 *   <li>a write failed transiently and its query is {@link Query#idempotent()}.</li>
 * </ul>
 * A write that reached the server, or a transaction whose {@code COMMIT} was sent, and that then
 * failed without a definite answer from the server fails with {@link OutcomeUnknownException}:
 * never retried, never reported as unavailable.
 *
 * <p><b>Cancellation.</b> Cancelling the subscription releases the connection: at once to the pool
 * when the statement had already finished (prefer {@code singleOrEmpty()} to {@code next()} for
 * one-row reads, which lets it finish), otherwise after asking the server to cancel the statement,
 * and then the connection is discarded rather than pooled, because a late cancel signal could
 * abort the next statement on it. With {@link io.flowgres.cluster.RoutingPolicy.Builder#hedgeAfter
 * hedging} on, a replica read that has not answered in time also starts on another node and the
 * first answer wins.
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
    private final MeterRegistry meterRegistry;
    private final Engine engine;
    private final QueryExecutor executor;

    private Flowgres(Builder builder) {
        this.config = builder.config;
        this.meterRegistry = builder.meterRegistry;
        Balancer balancer = builder.balancer != null ? builder.balancer : Balancer.powerOfTwoChoices(builder.random);
        this.engine = new Engine(config, meterRegistry, builder.scheduler, builder.ticker, builder.random, balancer,
                builder.probing, builder.slowQueries, builder.observationRegistry);
        this.executor = engine.executor();
    }

    /**
     * Connects to a cluster with default collaborators: a private meter registry, Reactor's parallel
     * scheduler for delays and deadlines, health-weighted balancing and probes every second.
     * Connections open lazily.
     *
     * @param config the validated cluster configuration
     * @return the facade; {@link #close()} it when done
     */
    public static Flowgres create(ClusterConfig config) {
        return builder(config).build();
    }

    /**
     * A builder to supply collaborators: a meter registry, a scheduler, a clock, randomness, a balancer.
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
     * Writes on the writer, auto-committed.
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
     * Runs work in one transaction on the writer. Rolled back on error or cancellation; re-run whole
     * as the class comment says; an {@link OutcomeUnknownException} when {@code COMMIT} got no
     * answer. The results are emitted after the commit.
     *
     * @param query the named query
     * @param work what to do inside the transaction; called once per attempt, free of outside side effects
     * @param <T> the type of the results
     * @return the results, after the commit
     */
    public <T> Flux<T> transaction(Query query, Function<? super Connection, ? extends Publisher<T>> work) {
        return executor.execute(OperationKind.TRANSACTION, query, work);
    }

    /**
     * Writes like {@link #write}, and returns the results with a consistency token taken after the
     * commit, so that a later read with {@link Query#withConsistency} sees the write. Committed work
     * is never re-run: when the token cannot be read, it routes reads to the writer.
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
     * Runs a write at most once per idempotency key, however often it is called with that key: the
     * key, a fingerprint of the request and the response the work emits are stored in the write's own
     * transaction, so a repeat replays the stored response (a concurrent repeat first waits for the
     * running one) and a repeat after a lost answer writes only if nothing committed. This is what
     * makes an {@link OutcomeUnknownException} safe to retry, for clients too (an HTTP
     * {@code Idempotency-Key}); an unanswered {@code COMMIT} is repeated here, twice at most. Needs the
     * table {@link Once#SCHEMA}.
     *
     * @param query the named query
     * @param key the idempotency key: 1 to 255 characters, unique per intended write
     * @param fingerprint what identifies the request (e.g. a hash of its method, path and body); a key
     *        seen with another fingerprint fails with {@link IdempotencyKeyReusedException}
     * @param keep how long the key and response are kept; a key past it is forgotten
     * @param work the write, inside the transaction; emits the response to store, encoded as text
     * @return the stored response, whether this call replayed it, and a token that sees the write
     */
    public Mono<Once> writeOnce(Query query, String key, String fingerprint, Duration keep,
            Function<? super Connection, ? extends Mono<String>> work) {
        Checks.notNull(query, "query");
        Checks.argument(key != null && !key.isEmpty() && key.length() <= 255,
                "key must have 1 to 255 characters, was %s", key == null ? "null" : key.length() + " characters");
        Checks.notNull(fingerprint, "fingerprint");
        Checks.positive(keep, "keep");
        Checks.notNull(work, "work");
        return engine.writeOnce(query, key, fingerprint, keep, work);
    }

    /**
     * The cluster as one R2DBC {@link ConnectionFactory}, for Spring's {@code DatabaseClient},
     * {@code R2dbcEntityTemplate}, repositories and transaction manager: the same nodes, pools,
     * breakers and routing as this facade's operations.
     *
     * <p>Each {@code create()} takes its route from the subscriber's Reactor {@code Context} (see
     * {@link io.flowgres.r2dbc.FlowgresRouting}): the writer when nothing is there, never a guess from
     * the SQL; work marked {@linkplain io.flowgres.r2dbc.FlowgresRouting#readOnly() read-only} gets an
     * eligible replica (honouring a consistency token and a staleness budget in the context), else
     * the writer. A node that refuses or cannot hand out a pooled connection within the pool's
     * acquire deadline is passed over for another eligible node; with none left, or when the writer
     * itself is down for writer-only work, {@code create()} fails with an
     * {@link io.flowgres.query.UnavailableException}. Closing a connection returns it to its node's
     * pool once, after settling it when a statement on it was cancelled. Unlike {@link #read} and
     * {@link #transaction}, work on a handed-out connection is not retried, hedged or deadlined by
     * Flowgres. Its metadata is PostgreSQL's.
     *
     * @return the factory; one per facade, closed with it
     */
    public ConnectionFactory connectionFactory() {
        return engine.connectionFactory();
    }

    /**
     * The cluster as routing sees it now: each node's configured and observed role, status, lag,
     * latency average, in-flight count, weight, breaker, last probe and pool usage.
     *
     * @return the snapshot
     */
    public Topology topology() {
        return engine.topology();
    }

    /**
     * Probes every node now instead of waiting for the next interval: each on its own connection,
     * outside the breakers, bounded by the probe timeout. For health checks, tests and operators.
     *
     * @return completes when every node's state is updated; never fails
     */
    public Mono<Void> probeNow() {
        return engine.probeAll();
    }

    /**
     * The writer's WAL positions as the prober read them, by round: what a
     * {@link io.flowgres.cache.QueryCache} needs to fill entries on replicas
     * ({@link io.flowgres.cache.QueryCache.Builder#writerPositions}). With probing off, only the
     * rounds of {@link #probeNow()} are known.
     *
     * @return the positions, live
     */
    public WriterPositions writerPositions() {
        return engine.writerPositions();
    }

    /**
     * Opens a dedicated connection, outside every pool, to the node that takes writes now: for
     * sessions that outlive a query, such as {@code LISTEN}. The caller closes it.
     *
     * @param applicationName the {@code application_name} the server shows for it
     * @return the connection
     */
    public Mono<Connection> connectToWriter(String applicationName) {
        Checks.notNull(applicationName, "applicationName");
        return engine.connectToWriter(applicationName);
    }

    /**
     * Takes a replica out of rotation for maintenance: it gets no new work while what it runs
     * finishes (see {@link #awaitIdle}).
     *
     * @param node the replica's name
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException for the primary, which has no stand-in
     */
    public void drain(String node) {
        engine.node(node).gate().drain();
    }

    /**
     * Puts a drained node back into rotation; does nothing to a node that is not drained.
     *
     * @param node the node's name
     * @throws IllegalArgumentException for an unknown name
     */
    public void undrain(String node) {
        engine.node(node).gate().undrain();
    }

    /**
     * Closes a node's circuit breaker by hand, for an operator who knows the node is back.
     *
     * @param node the node's name
     * @return the breaker's state before the reset, lower case
     * @throws IllegalArgumentException for an unknown name
     */
    public String resetBreaker(String node) {
        Node target = engine.node(node);
        String before = target.gate().breakerState();
        target.gate().breaker().reset();
        return before;
    }

    /**
     * Waits until no operation runs on any node, or the time is up; for graceful shutdown and drains.
     *
     * @param timeout the longest wait
     * @return {@code true} when idle, {@code false} when work was still running at the end
     */
    public Mono<Boolean> awaitIdle(Duration timeout) {
        Checks.notNegative(timeout, "timeout");
        return engine.awaitIdle(timeout);
    }

    /** The configuration this facade was built from. */
    public ClusterConfig config() {
        return config;
    }

    /** Totals of every query attempt since start: count, failures, time; cheap to read. */
    public QueryStats queryStats() {
        return engine.metrics().stats();
    }

    /** The slow-query log: attempts over its threshold, logged and counted per query name. */
    public SlowQueryLog slowQueries() {
        return engine.metrics().slowQueries();
    }

    /** The registry Flowgres records its meters in. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /**
     * Stops probing and closes every node's pools.
     *
     * @return completes when all pools are disposed
     */
    public Mono<Void> closeAsync() {
        return engine.close();
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
        private LongSupplier ticker = System::nanoTime;
        private RandomGenerator random = RandomGenerator.getDefault();
        private @Nullable Balancer balancer;
        private boolean probing = true;
        private SlowQueryLog slowQueries = SlowQueryLog.defaults();
        private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

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
         * Sets where query attempts are observed (default {@link ObservationRegistry#NOOP}: nowhere, at
         * no cost). Each attempt of an operation on one node, a retry or a hedge included, is one
         * {@link io.micrometer.observation.Observation} named {@code flowgres.query.attempt}, contextually named
         * {@code flowgres <query name>}, with the low-cardinality keys {@code flowgres.query} (the query
         * name), {@code flowgres.node}, {@code flowgres.role} (the node's configured role: {@code primary}
         * or {@code replica}), {@code flowgres.kind} ({@code read}, {@code write} or {@code transaction}),
         * and, once it ends, {@code flowgres.outcome} ({@code success}, {@code error} or
         * {@code cancelled}) and {@code flowgres.reason} (why it failed, as in the {@code reason} tag of
         * {@code flowgres.errors}, else {@code none}); a failed attempt carries its error. It starts when
         * the attempt is sent to its node and stops when it completes, fails or is cancelled, before the
         * signal travels on. Its parent is the observation in the subscriber's Reactor context under
         * {@code ObservationThreadLocalAccessor.KEY}, else the registry's current one, and it is put
         * in the work's context under that key, so that a tracing bridge makes the work's spans its
         * children. A handler that throws never fails the query.
         *
         * <p>Flowgres records its own {@code flowgres.query} timer in the {@link #meterRegistry meter
         * registry} whatever this is, tagged {@code query}, {@code node}, {@code role} and
         * {@code outcome}. The observation has a name of its own so that a meter handler on this
         * registry ({@code DefaultMeterObservationHandler}, which Spring Boot adds) makes a timer of
         * its own, {@code flowgres.query.attempt}, never a clashing second {@code flowgres.query}.
         *
         * @param observationRegistry the registry
         * @return this builder
         */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = Checks.notNull(observationRegistry, "observationRegistry");
            return this;
        }

        /**
         * Sets the scheduler that times backoff delays, deadlines, hedges and probes; exists to
         * facilitate testing with virtual time (set {@link #ticker} to its clock too).
         *
         * @param scheduler the scheduler (default {@link Schedulers#parallel()})
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Checks.notNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets the nanosecond clock of latency averages, stalls, ejections, lag and deadlines;
         * exists to facilitate testing with virtual time.
         *
         * @param ticker the clock (default {@link System#nanoTime()})
         * @return this builder
         */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = Checks.notNull(ticker, "ticker");
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
