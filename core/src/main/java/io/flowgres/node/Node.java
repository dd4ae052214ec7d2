package io.flowgres.node;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One PostgreSQL endpoint: its configuration, its role, its own R2DBC pool and circuit breaker,
 * and the live load figures routing decisions read.
 *
 * <p>Nodes are created and closed by {@code Flowgres}; applications see them through the topology
 * and never run work on them directly.
 */
public final class Node {

    private final NodeConfig config;
    private final NodeRole role;
    private final ConnectionPool pool;
    private final CircuitBreaker breaker;
    private final PoolPolicy poolPolicy;
    private final Scheduler clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long busySinceNanos = System.nanoTime();
    private volatile long lastAnswerNanos = System.nanoTime();
    /** Connections whose attempt was cancelled and that are not back in the pool yet: still busy on the server. */
    private final AtomicInteger settling = new AtomicInteger();
    private final AtomicLong openedAtNanos = new AtomicLong();
    private final PoolObserver observer;
    private final ConnectionPool probePool;
    private final NodeState state;

    /** Bound on asking the server to cancel a statement; the connection is discarded either way. */
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long a cancelled connection may take to become idle by itself (the driver drains a query
     * that already sent its rows, and closes a cursor at its next batch) before it is treated as
     * still running: cancelled on the server and discarded.
     */
    private static final Duration CANCEL_GRACE = Duration.ofMillis(250);
    private volatile boolean drained;

    private Node(NodeConfig config, NodeRole role, ConnectionPool pool, CircuitBreaker breaker, PoolPolicy poolPolicy,
            Scheduler clock, PoolObserver observer, ConnectionPool probePool, NodeState state) {
        this.config = config;
        this.role = role;
        this.pool = pool;
        this.breaker = breaker;
        this.poolPolicy = poolPolicy;
        this.clock = clock;
        this.observer = observer;
        this.probePool = probePool;
        this.state = state;
        breaker.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAtNanos.set(clock.now(TimeUnit.NANOSECONDS));
            }
        });
    }

    /**
     * Opens a node: builds its connection factory and pool (connections are opened lazily, on the
     * first acquire, so this never blocks).
     *
     * @param config the node's configuration
     * @param role its role in the cluster
     * @param cluster the cluster configuration, for credentials and shared policies
     * @param breaker the node's circuit breaker
     * @param clock the scheduler whose clock times breaker hints (virtual in tests)
     * @return the node
     */
    public static Node open(NodeConfig config, NodeRole role, ClusterConfig cluster, CircuitBreaker breaker,
            Scheduler clock) {
        return open(config, role, cluster, breaker, clock, PoolObserver.NONE);
    }

    /**
     * Opens a node whose pool reports its events and acquires to an observer (for metrics).
     *
     * @param config the node's configuration
     * @param role its role in the cluster
     * @param cluster the cluster configuration, for credentials and shared policies
     * @param breaker the node's circuit breaker
     * @param clock the scheduler whose clock times breaker hints (virtual in tests)
     * @param observer hears pool events and acquires
     * @return the node
     */
    public static Node open(NodeConfig config, NodeRole role, ClusterConfig cluster, CircuitBreaker breaker,
            Scheduler clock, PoolObserver observer) {
        PoolPolicy policy = cluster.poolFor(config);
        ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.parse(config.url()).mutate()
                .option(ConnectionFactoryOptions.USER, cluster.username())
                .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, policy.maxCreateConnectionTime())
                .option(PostgresqlConnectionFactoryProvider.APPLICATION_NAME, cluster.applicationName())
                .option(PostgresqlConnectionFactoryProvider.PREPARED_STATEMENT_CACHE_QUERIES,
                        cluster.statementCacheSize());
        String password = cluster.password();
        if (password != null) {
            options.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        ConnectionFactory factory = ConnectionFactories.get(options.build());
        ConnectionPoolConfiguration poolConfiguration = ConnectionPoolConfiguration.builder(factory)
                .name("flowgres-" + config.name())
                .initialSize(policy.initialSize())
                .maxSize(policy.maxSize())
                .maxIdleTime(policy.maxIdleTime())
                .maxLifeTime(policy.maxLifeTime())
                .maxAcquireTime(policy.maxAcquireTime())
                .maxCreateConnectionTime(policy.maxCreateConnectionTime())
                // Retries are ours: the pool's own acquire retry would multiply with them.
                .acquireRetry(0)
                .metricsRecorder(observer)
                .customizer(builder -> builder.maxPendingAcquire(policy.maxPendingAcquires()))
                .build();
        // Probes get their own single connection, so that a saturated pool cannot blind them.
        ConnectionPool probePool = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .name("flowgres-probe-" + config.name())
                .initialSize(0)
                .maxSize(1)
                .maxAcquireTime(cluster.routing().probeTimeout())
                .maxCreateConnectionTime(cluster.routing().probeTimeout())
                .acquireRetry(0)
                .build());
        NodeState state = new NodeState(cluster.routing(), clock.now(TimeUnit.NANOSECONDS));
        return new Node(config, role, new ConnectionPool(poolConfiguration), breaker, policy, clock, observer,
                probePool, state);
    }

    /** The node's name, as configured. */
    public String name() {
        return config.name();
    }

    /** The node's configuration. */
    public NodeConfig config() {
        return config;
    }

    /** The node's role. */
    public NodeRole role() {
        return role;
    }

    /** The node's static balancing weight. */
    public double weight() {
        return config.weight();
    }

    /** The node's pool policy. */
    public PoolPolicy poolPolicy() {
        return poolPolicy;
    }

    /** The node's circuit breaker. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Live pool figures (acquired, idle, pending), when the pool exposes them. */
    public Optional<PoolMetrics> poolMetrics() {
        return pool.getMetrics();
    }

    /** The node's live routing state: latency average, failures, ejection, last probe, lag. */
    public NodeState state() {
        return state;
    }

    /**
     * The role the last probe observed: a configured replica that left recovery (promoted) is a
     * primary now, and a configured primary in recovery is a replica. Before the first probe, the
     * configured role.
     *
     * @return the observed role
     */
    public NodeRole observedRole() {
        Boolean recovery = state.inRecovery();
        if (recovery == null) {
            return role;
        }
        return recovery ? NodeRole.REPLICA : NodeRole.PRIMARY;
    }

    /**
     * How long the node has had work in flight without answering any of it (no row, no result, no
     * error): zero when idle or when answers keep coming, growing by the millisecond when the node
     * hangs. It reacts to a node that froze long before any slow answer can reach the latency
     * average. Cancelled work counts as in flight until its connection is back in the pool, and a
     * cancellation is not an answer: a replica whose stuck reads are abandoned still looks stuck.
     *
     * @return the stall, in nanoseconds
     */
    public long stallNanos() {
        if (inFlight.get() + settling.get() == 0) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - Math.max(busySinceNanos, lastAnswerNanos));
    }

    /**
     * In-flight operations, cancelled ones whose connection is still busy, and callers waiting for a
     * connection: the load that raises the node's cost.
     */
    public int load() {
        return inFlight.get() + settling.get() + pool.getMetrics().map(PoolMetrics::pendingAcquireSize).orElse(0);
    }

    /**
     * Runs a probe on the node's own probe connection, outside the breaker (a probe is how an
     * unhealthy node is found healthy again) and outside the in-flight count.
     *
     * @param work the probe's statements
     * @param timeout the bound on the whole probe
     * @param <T> the result type
     * @return the probe's results
     */
    public <T> Flux<T> probe(Function<? super Connection, ? extends Publisher<T>> work, Duration timeout) {
        return Flux.<T, Connection>usingWhen(probePool.create(), work, Connection::close,
                        (connection, error) -> connection.close(), connection -> settleAndRelease(connection, 0))
                .timeout(timeout, clock);
    }

    /** Operations running on this node right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Whether the breaker lets calls through (closed or half-open). */
    public boolean isAvailable() {
        CircuitBreaker.State state = breaker.getState();
        return state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * How long until an open breaker lets trial calls through; zero when it is not open.
     *
     * @param openDuration the breaker's configured open time
     * @return the remaining open time
     */
    public Duration retryAfter(Duration openDuration) {
        if (isAvailable()) {
            return Duration.ZERO;
        }
        long elapsed = clock.now(TimeUnit.NANOSECONDS) - openedAtNanos.get();
        Duration left = openDuration.minusNanos(elapsed);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * Obtains a pooled connection; a failure is wrapped in a {@link NodeAcquireException} so that the
     * pipeline knows nothing reached the server.
     *
     * @return the connection, to be closed (released) by the caller
     */
    public Mono<Connection> acquire() {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return pool.create()
                    .doOnSuccess(connection -> observer.recordAcquire(System.nanoTime() - started, true))
                    .doOnError(error -> observer.recordAcquire(System.nanoTime() - started, false));
        }).onErrorMap(e -> new NodeAcquireException(name(), e));
    }

    /**
     * Takes this node out of rotation for maintenance: the router sends it no new work while
     * operations already running finish. Only replicas can be drained; the primary has no stand-in.
     *
     * @throws IllegalStateException for the primary
     */
    public void drain() {
        if (role == NodeRole.PRIMARY) {
            throw new IllegalStateException("the primary cannot be drained, was " + name());
        }
        drained = true;
    }

    /** Puts a drained node back into rotation; does nothing to a node that is not drained. */
    public void undrain() {
        drained = false;
    }

    /** Whether the node is drained, so routing must not choose it. */
    public boolean isDrained() {
        return drained;
    }

    /**
     * Runs one attempt of some work on a pooled connection, inside this node's circuit breaker: the
     * connection is released on completion, error and cancellation, and {@code deadline} (when
     * given) bounds the whole attempt, so a timeout counts against the node.
     *
     * @param work what to do with the connection; subscribed once per call
     * @param deadline the bound on the attempt, or {@code null} for none
     * @param <T> the type of the results
     * @return the results
     */
    public <T> Flux<T> run(Function<? super Connection, ? extends Publisher<T>> work, @Nullable Duration deadline) {
        Flux<T> attempt = Flux.defer(() -> {
            // The latency average measures the database's answer, from a held connection to the last
            // row: opening a connection (TLS, SCRAM) would read as a slow node for many seconds.
            long[] acquiredAt = {0};
            boolean[] answered = {false};
            return Flux.usingWhen(acquire().doOnNext(connection -> acquiredAt[0] = System.nanoTime()), work,
                            Connection::close, (connection, error) -> release(connection),
                            connection -> settleAndRelease(connection, answered[0] ? 0 : acquiredAt[0]))
                    .doOnEach(signal -> {
                        // Only the server answers: failing to get a connection (a pool waiting on a
                        // frozen server) is no sign of life.
                        if (!signal.isOnSubscribe() && acquiredAt[0] != 0) {
                            answered[0] = true;
                            lastAnswerNanos = System.nanoTime();
                        }
                    })
                    .doOnComplete(() -> state.recordLatency(System.nanoTime() - acquiredAt[0],
                            clock.now(TimeUnit.NANOSECONDS)))
                    .doOnCancel(() -> {
                        // Abandoned before any answer (a deadline, a hedge that won elsewhere): the wait is
                        // a lower bound of the latency, and the average must learn it, or a replica whose
                        // every slow read is abandoned would never look slow.
                        if (!answered[0] && acquiredAt[0] != 0) {
                            state.recordLatency(System.nanoTime() - acquiredAt[0], clock.now(TimeUnit.NANOSECONDS));
                        }
                    });
        });
        if (deadline != null) {
            // One shared timer bounds the whole stream, not the gap between two items.
            Mono<Long> expiry = Mono.delay(deadline, clock).cache();
            attempt = attempt.timeout(expiry, item -> expiry);
        }
        return attempt
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .doOnSubscribe(subscription -> {
                    if (inFlight.getAndIncrement() == 0 && settling.get() == 0) {
                        busySinceNanos = System.nanoTime();
                    }
                })
                .doFinally(signal -> inFlight.decrementAndGet());
    }

    /** Releases a connection after an error or cancellation, rolling back a transaction left open. */
    private static Mono<Void> release(Connection connection) {
        return Mono.defer(() -> connection.isAutoCommit()
                        ? Mono.<Void>empty()
                        : Mono.from(connection.rollbackTransaction()).onErrorResume(error -> Mono.empty()))
                .then(Mono.from(connection.close()));
    }

    /**
     * Returns a connection whose work was cancelled (by the subscriber, a deadline or a take). A
     * statement that had already finished, or a cursor the driver closes at its next batch, leaves
     * the connection idle within a short grace: a round trip proves it, and it goes back to the pool.
     * A statement still running after the grace is cancelled on the server and the connection is
     * discarded, never pooled: PostgreSQL delivers a cancel to the backend asynchronously, so on a
     * reused connection it could abort whatever statement that backend runs next.
     *
     * <p>An abandoned statement that had not answered teaches the latency average how long it really
     * took (or at least took, when it is still running after the grace): abandoned reads are the slow
     * ones, and a replica whose slow reads are all hedged away or timed out must still look slow.
     *
     * @param connection the connection of the cancelled work
     * @param unansweredSince when the connection was acquired if the work had not answered, else 0
     */
    private Mono<Void> settleAndRelease(Connection connection, long unansweredSince) {
        return Mono.defer(() -> {
            settling.incrementAndGet();
            return Mono.from(connection.validate(ValidationDepth.REMOTE))
                    .timeout(CANCEL_GRACE, clock)
                    .onErrorReturn(false)
                    .defaultIfEmpty(false)
                    .flatMap(idle -> {
                        if (unansweredSince != 0) {
                            state.recordLatency(System.nanoTime() - unansweredSince, clock.now(TimeUnit.NANOSECONDS));
                        }
                        if (idle) {
                            lastAnswerNanos = System.nanoTime();
                            return release(connection);
                        }
                        return cancelAndDiscard(connection);
                    })
                    .doFinally(signal -> settling.decrementAndGet());
        });
    }

    /**
     * Asks the server to cancel the statement a connection still runs, then closes the physical
     * connection, so the pool invalidates it when it is released instead of handing it out again.
     */
    private static Mono<Void> cancelAndDiscard(Connection connection) {
        Connection raw = connection instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof Connection inner
                ? inner
                : connection;
        Mono<Void> cancel = raw instanceof PostgresqlConnection postgres
                ? postgres.cancelRequest().timeout(CANCEL_TIMEOUT).onErrorResume(error -> Mono.empty())
                : Mono.empty();
        Mono<Void> closePhysical = raw == connection
                ? Mono.empty()
                : Mono.from(raw.close()).onErrorResume(error -> Mono.empty());
        return cancel.then(closePhysical).then(Mono.from(connection.close()).onErrorResume(error -> Mono.empty()));
    }

    /**
     * Closes the pool: idle connections at once, busy ones as they are released.
     *
     * @return completes when the pool is disposed
     */
    public Mono<Void> close() {
        return Mono.when(pool.disposeLater(), probePool.disposeLater());
    }

    @Override
    public String toString() {
        return "Node{" + name() + ", " + role + ", " + config.displayUrl() + "}";
    }
}
