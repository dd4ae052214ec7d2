package io.flowgres.internal.node;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.netflix.concurrency.limits.Limiter;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.internal.DroppedBuffers;
import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.SignalHooks;
import io.flowgres.internal.SqlStates;
import io.flowgres.metrics.PoolUsage;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One PostgreSQL endpoint as the engine uses it: its pools, its {@link NodeGate gate} (breaker and
 * drain), its {@link LoadTracker load}, its {@link NodeHealth health}, and {@link #run} — one
 * attempt of some work on a pooled connection inside the breaker and a deadline, released or
 * {@linkplain ConnectionSettler settled} whatever happens.
 *
 * <p>Created and closed by the facade; applications see nodes only as topology snapshots.
 */
public final class Node {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    /**
     * How long a probe that timed out may keep its connection waiting for the server's answer before
     * the statement is cancelled and the connection discarded. On a frozen server (every process
     * stopped) a short grace cost a cancel request and a new login per round, and the first probe
     * after the thaw a login on a server busy with everyone's reconnects: the primary came back about
     * 1.5 s after it answered again, long enough for the replicas' unknown lag to pass {@code maxLag}.
     * Kept, the connection answers the moment the server does and the next probe takes it at once.
     */
    static final Duration PROBE_SETTLE_GRACE = Duration.ofSeconds(10);

    private final NodeConfig config;
    private final NodeRole role;
    private final PoolPolicy poolPolicy;
    private final ConnectionFactory factory;
    private final ConnectionPool pool;
    private final ConnectionPool probePool;
    private final NodeGate gate;
    private final NodeHealth health;
    private final LoadTracker load;
    private final ConnectionSettler settler;
    private final PoolObserver observer;
    private final NodeLimiter limiter;
    private final AvailabilityPolicy availability;
    private final Duration probeTimeout;
    private final Scheduler timer;
    private final LongSupplier ticker;
    private final AttemptWatch watch;

    private Node(NodeConfig config, NodeRole role, ClusterConfig cluster, CircuitBreaker breaker, Scheduler timer,
            LongSupplier ticker, PoolObserver observer) {
        this.config = config;
        this.role = role;
        this.timer = timer;
        this.ticker = ticker;
        this.observer = observer;
        this.poolPolicy = cluster.poolFor(config);
        this.factory = NodeConnections.factory(cluster, config, poolPolicy.maxCreateConnectionTime(),
                cluster.applicationName());
        this.pool = NodeConnections.queryPool(factory, config, poolPolicy, observer);
        this.probePool = NodeConnections.probePool(factory, config, cluster.routing().probeTimeout());
        this.gate = new NodeGate(config.name(), role, breaker, cluster.breaker().openDuration(), ticker);
        this.health = new NodeHealth(cluster.routing(), cluster.availability().returnAfterProbes(), now());
        this.load = new LoadTracker(ticker);
        this.settler = new ConnectionSettler(load, health, timer);
        this.availability = cluster.availability();
        this.limiter = new NodeLimiter(config.name(), poolPolicy, availability, ticker);
        this.probeTimeout = cluster.routing().probeTimeout();
        this.watch = new AttemptWatch(config.name(), availability.silenceCeiling(), this::isAlive, timer, ticker);
    }

    /**
     * Opens a node: its pools open connections lazily, so this does not block.
     *
     * @param config the node's configuration
     * @param role its configured role
     * @param cluster credentials, pool, breaker and routing settings
     * @param breaker its circuit breaker
     * @param timer the pipeline's scheduler, for deadlines and the settling grace
     * @param ticker the pipeline's clock in nanoseconds, for latency, stall and ejection
     * @param observer hears pool events and acquires, for metrics
     * @return the node
     */
    public static Node open(NodeConfig config, NodeRole role, ClusterConfig cluster, CircuitBreaker breaker,
            Scheduler timer, LongSupplier ticker, PoolObserver observer) {
        return new Node(config, role, cluster, breaker, timer, ticker, observer);
    }

    /** The node's name, as configured. */
    public String name() {
        return config.name();
    }

    /** The node's configuration. */
    public NodeConfig config() {
        return config;
    }

    /** The node's configured role. */
    public NodeRole role() {
        return role;
    }

    /** The node's static balancing weight. */
    public double weight() {
        return config.weight();
    }

    /** The breaker and drain switch. */
    public NodeGate gate() {
        return gate;
    }

    /** What queries and the prober have learnt of the node. */
    public NodeHealth health() {
        return health;
    }

    /** In-flight work, settling connections and stall. */
    public LoadTracker load() {
        return load;
    }

    /** The node's concurrency limit. */
    public NodeLimiter limiter() {
        return limiter;
    }

    /** The driver's connection factory for this node, unpooled. */
    public ConnectionFactory connectionFactory() {
        return factory;
    }

    /**
     * The role the last probe observed: a configured replica that left recovery is a primary now,
     * and a configured primary in recovery is a replica. Before the first probe, the configured role.
     *
     * @return the observed role
     */
    public NodeRole observedRole() {
        Boolean recovery = health.probe().inRecovery();
        if (recovery == null) {
            return role;
        }
        return recovery ? NodeRole.REPLICA : NodeRole.PRIMARY;
    }

    /** The node's effective pool policy: the cluster's, with this node's overrides. */
    public PoolPolicy poolPolicy() {
        return poolPolicy;
    }

    /** The pool's figures now: in use, idle, waiting, maximum. */
    public PoolUsage poolUsage() {
        int max = poolPolicy.maxSize();
        return pool.getMetrics()
                .map(metrics -> new PoolUsage(Math.max(0, metrics.acquiredSize()), Math.max(0, metrics.idleSize()),
                        Math.max(0, metrics.pendingAcquireSize()), Math.max(1, max)))
                .orElseGet(() -> new PoolUsage(0, 0, 0, max));
    }

    /** In-flight work, settling connections and callers waiting for a connection: what raises the cost. */
    public int loadCount() {
        return load.inFlight() + load.settling() + pool.getMetrics().map(m -> m.pendingAcquireSize()).orElse(0);
    }

    /**
     * Runs a probe on the node's own probe connection, outside the breaker (a probe is how an
     * unhealthy node is found healthy again) and outside the load figures. A probe that times out
     * leaves its connection settling for up to {@link #PROBE_SETTLE_GRACE}, so that the next probe
     * waits for the same connection instead of logging in again.
     *
     * <p>A probe whose connection fails (the server was restarted, or its backend terminated, since
     * the connection was opened) runs once more on a connection opened for it, outside the pool, with
     * the same bound: a dead pooled connection says nothing about the node, and neither the prober nor
     * a liveness check may call a running node down or hung for it. Outside the pool, because the pool
     * may hand the same dead connection out again: its validation is local, and a close that comes
     * through a proxy (Docker's, a pooler's) can arrive after it.
     *
     * @param work the probe's statements, run again on the second try
     * @param timeout the bound on each of the probe's (at most two) tries
     * @param <T> the result type
     * @return the probe's results
     */
    public <T> Flux<T> probe(Function<? super Connection, ? extends Publisher<T>> work, Duration timeout) {
        return Flux.<T, Connection>usingWhen(probePool.create(), work, Connection::close,
                        (connection, error) -> connection.close(),
                        connection -> settler.settle(connection, 0, Mono.empty(), PROBE_SETTLE_GRACE))
                .timeout(timeout, timer)
                .onErrorResume(SqlStates::isConnectionFailure, failed -> Flux.<T, Connection>usingWhen(
                                Mono.<Connection>from(factory.create()), work, Connection::close,
                                (connection, error) -> connection.close(),
                                Connection::close)
                        .timeout(timeout, timer));
    }

    /**
     * Obtains a pooled connection; a failure is a {@link NodeAcquireException}, so that the pipeline
     * knows nothing reached the server. An idle connection that fails the pool's validation (its
     * server was restarted or killed since) is discarded by the pool and the next one taken, up to
     * the pool's size: a node back from a restart must not be ejected for its predecessor's dead
     * connections.
     *
     * @return the connection, to be closed (released) by the caller
     */
    public Mono<Connection> acquire() {
        return acquire(poolPolicy.maxSize());
    }

    /**
     * One acquire, taken again (at most {@code staleLeft} more times) while the pool hands out
     * connections its validation finds dead; any other failure, or the last stale one, becomes a
     * {@link NodeAcquireException}. A plain resume rather than {@code retryWhen}, whose companion sink
     * and subscription per acquire cost every lease, though nearly all of them never retry. Every lease
     * of the node passes here, so the failure's bookkeeping rides on that resume rather than on an
     * operator of its own ({@code doOnEach} would also look up the subscriber's context per acquire).
     */
    private Mono<Connection> acquire(int staleLeft) {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            // Bounded by the node's sweeps, not by the pool's maxAcquireTime (a timer per acquire).
            return watch.startAcquire(poolPolicy.maxAcquireTime())
                    .bound(pool.create(), new SignalHooks<Connection>() {
                        @Override
                        protected void onItem(Connection connection) {
                            observer.recordAcquire(System.nanoTime() - started, true);
                        }
                    })
                    .onErrorResume(error -> {
                        observer.recordAcquire(System.nanoTime() - started, false);
                        if (NodeAcquireException.isQueueFull(error)) {
                            observer.recordRejected(); // work past the limit found the queue full
                        }
                        return staleLeft > 0 && NodeConnections.isStale(error) ? acquire(staleLeft - 1)
                                // A retried acquire's failure arrives wrapped already: a resume sees only its
                                // own source's errors.
                                : Mono.error(new NodeAcquireException(name(), error));
                    });
        });
    }

    /**
     * Returns a connection leased outside {@link #run} (by the routing {@code ConnectionFactory}) to
     * the pool. A transaction left open is rolled back and auto-commit switched back on, so the next
     * borrower gets the connection as the pool first gave it; when a statement on it was cancelled
     * or may still run, the connection is settled like that of cancelled work instead (released when
     * it proves idle within a short grace, else cancelled on the server and discarded).
     *
     * @param connection the pooled connection
     * @param unsettled whether a statement on it was cancelled or has not ended
     * @return completes when the connection is back in the pool or discarded
     */
    public Mono<Void> release(Connection connection, boolean unsettled) {
        return release(connection, unsettled, null);
    }

    /**
     * Releases a connection handed out by {@link #acquire()} like {@link #release(Connection, boolean)},
     * first undoing what its borrower changed in the session ({@code resetSession}, after an open
     * transaction was rolled back), so that the next borrower gets it as the pool first gave it. A
     * connection whose session cannot be reset, or whose work was cancelled, is discarded instead.
     *
     * @param connection the connection
     * @param unsettled whether its last work was cancelled
     * @param resetSession restores the session's settings, or {@code null} when none changed
     * @return completes when the connection is back in the pool or discarded
     */
    public Mono<Void> release(Connection connection, boolean unsettled, @Nullable Mono<Void> resetSession) {
        if (unsettled) {
            return settler.settle(connection, 0, resetSession == null ? Mono.empty() : resetSession);
        }
        return Mono.defer(() -> {
            Mono<Void> close = ConnectionSettler.resetThenClose(connection, resetSession);
            if (connection.isAutoCommit()) {
                // Nearly every release (each DatabaseClient call closes its connection): nothing to roll back.
                return close;
            }
            return Mono.from(connection.rollbackTransaction())
                    .then(Mono.from(connection.setAutoCommit(true)))
                    // A connection that cannot roll back is broken: the pool's validation drops it.
                    .onErrorResume(error -> Mono.empty())
                    .then(close);
        });
    }

    /**
     * Takes what one piece of work needs from this node before it starts: a permit of its concurrency
     * limit, then its breaker's permission, either refused at once (a refusal at the limit is counted).
     * The work's end must then be told to both: the breaker's {@code onSuccess}, {@code onError} or
     * {@code releasePermission}; the limit's listener as {@link NodeLimiter#tryAcquire()} says. Attempts
     * ({@link #run}) and the routing factory's leases are admitted here.
     *
     * @param queueAtLimit whether work the limit refuses goes on without a permit (to wait in the pool's
     *        bounded queue) rather than being refused
     * @return the admission, or the refusal
     */
    public Admission admit(boolean queueAtLimit) {
        Optional<Limiter.Listener> permit = limiter.tryAcquire();
        if (permit.isEmpty() && !queueAtLimit) {
            observer.recordRejected();
            return new Admission(null, new NodeOverloadedException(name(), limiter.limit()));
        }
        CircuitBreaker breaker = gate.breaker();
        if (!breaker.tryAcquirePermission()) {
            permit.ifPresent(Limiter.Listener::onIgnore);
            return new Admission(null, CallNotPermittedException.createCallNotPermittedException(breaker));
        }
        return new Admission(permit.orElse(null), null);
    }

    /**
     * What {@link #admit} decided for one piece of work.
     *
     * @param limit the limit's listener, to be told how the work ended; {@code null} when the work was
     *        refused, or goes on past the limit without a permit
     * @param refusal why the node refused the work ({@link NodeOverloadedException} or the breaker's
     *        {@link CallNotPermittedException}), or {@code null} when it was admitted
     */
    public record Admission(Limiter.@Nullable Listener limit, @Nullable RuntimeException refusal) {
    }

    /**
     * Runs one attempt of some work on a pooled connection, inside this node's circuit breaker: the
     * connection is released on completion and error and settled on cancellation, and
     * {@code deadline} (when given) bounds the whole attempt, so a timeout counts against the node.
     *
     * <p>The latency average measures the database's answer, from a held connection to the last
     * row: opening a connection (TLS, SCRAM) would read as a slow node for many seconds. Only the
     * server answers: failing to get a connection (a pool waiting on a frozen server) is no sign of
     * life, and neither is a cancellation.
     *
     * @param work what to do with the connection; subscribed once per call
     * @param deadline the bound on the attempt, or {@code null} for none
     * @param watchSilence whether silence past the node's usual latency triggers liveness checks
     *        (not for streams paced by their consumer)
     * @param queueAtLimit whether work the concurrency limit refuses waits in the pool's bounded queue
     *        instead (for work this node already refused once, and that found no room elsewhere)
     * @param caller what the caller does as the attempt's signals pass (its metrics and facts), after
     *        the node's own verdicts and in the same subscriber; it sees refusals and deadlines as errors
     * @param <T> the type of the results
     * @return the results
     */
    public <T> Flux<T> run(Function<? super Connection, ? extends Publisher<T>> work, @Nullable Duration deadline,
            boolean watchSilence, boolean queueAtLimit, SignalHooks<T> caller) {
        return Flux.defer(() -> {
            try {
                return admitted(work, deadline, watchSilence, queueAtLimit, caller);
            } catch (RuntimeException e) {
                // The caller's hooks see every end of the attempt, this one too.
                return SignalHooks.hooked(Flux.<T>error(e), caller);
            }
        });
    }

    /** The attempt, once subscribed: admitted, watched and hooked; or refused. */
    private <T> Flux<T> admitted(Function<? super Connection, ? extends Publisher<T>> work, @Nullable Duration deadline,
            boolean watchSilence, boolean queueAtLimit, SignalHooks<T> caller) {
        Admission admission = admit(queueAtLimit);
        RuntimeException refusal = admission.refusal();
        if (refusal != null) {
            return SignalHooks.hooked(Flux.<T>error(refusal), caller);
        }
        CircuitBreaker breaker = gate.breaker();
        Limiter.@Nullable Listener limit = admission.limit();
        AttemptWatch.Watch watched;
        try {
            // The deadline bounds the whole stream, not the gap between two items.
            watched = watch.start(deadline, watchSilence ? silenceWindow() : null);
        } catch (RuntimeException e) {
            // Not started (the timer refused the watch's sweep: shut down): give back what was taken.
            breaker.releasePermission();
            if (limit != null) {
                limit.onIgnore();
            }
            throw e;
        }
        load.started();
        Verdicts<T> verdicts = new Verdicts<>(breaker, limit, caller);
        Bookkeeping<T> kept = new Bookkeeping<>();
        Flux<T> leased = DroppedBuffers.released(Flux.usingWhen(acquire(), connection -> {
                    kept.acquiredAt = now();
                    return work.apply(connection);
                }, Connection::close, (connection, error) -> ConnectionSettler.release(connection),
                connection -> settler.settle(connection, kept.answered ? 0 : kept.acquiredAt)));
        // The bookkeeping with the watch (a timeout cancels the work: no answer), the verdicts and the
        // caller's hooks outside it (a timeout is the breaker's failure and the limit's overload signal).
        return SignalHooks.hooked(watched.bound(leased, kept), verdicts);
    }

    /**
     * How an admitted attempt ended, told once to the node's breaker, its concurrency limit and its
     * load: what resilience4j's Reactor operator and five peeks around it did per attempt, in one
     * subscriber, through the breaker's own API (as the routing factory's leases are judged), joined
     * by the caller's hooks. The breaker hears a success, a failure (it decides what counts), or, for
     * an attempt cancelled before any item, nothing (its permission is given back); the limit hears a
     * success, a timeout as the overload signal, and nothing of other ends.
     */
    private final class Verdicts<T> extends SignalHooks.Joined<T> {

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Verdicts> ENDED =
                AtomicIntegerFieldUpdater.newUpdater(Verdicts.class, "ended");

        private final CircuitBreaker breaker;
        private final Limiter.@Nullable Listener limit;
        private final long startedAt;
        /** 1 once the attempt's end was told: a cancel may come from another thread after the terminal signal. */
        private volatile int ended;
        private volatile boolean emitted;

        Verdicts(CircuitBreaker breaker, Limiter.@Nullable Listener limit, SignalHooks<T> caller) {
            super(caller);
            this.breaker = breaker;
            this.limit = limit;
            this.startedAt = breaker.getCurrentTimestamp();
        }

        @Override
        protected void onItem(T item) {
            if (!emitted) {
                emitted = true;
            }
            super.onItem(item);
        }

        @Override
        protected void onComplete() {
            if (end()) {
                breaker.onSuccess(elapsed(), breaker.getTimestampUnit());
                if (limit != null) {
                    limit.onSuccess();
                }
            }
            super.onComplete();
        }

        @Override
        protected Throwable onError(Throwable error) {
            if (end()) {
                breaker.onError(elapsed(), breaker.getTimestampUnit(), error);
                if (limit != null) {
                    if (error instanceof TimeoutException) {
                        limit.onDropped();
                    } else {
                        limit.onIgnore();
                    }
                }
            }
            return super.onError(error);
        }

        @Override
        protected void onCancel() {
            if (end()) {
                // Cancelled after items (a stream its consumer stopped): the node answered.
                if (emitted) {
                    breaker.onSuccess(elapsed(), breaker.getTimestampUnit());
                } else {
                    breaker.releasePermission();
                }
                if (limit != null) {
                    limit.onIgnore();
                }
            }
            super.onCancel();
        }

        /** Ends the attempt once: the load falls at the first of its ends, which alone is told. */
        private boolean end() {
            if (ENDED.compareAndSet(this, 0, 1)) {
                load.finished();
                return true;
            }
            return false;
        }

        private long elapsed() {
            return breaker.getCurrentTimestamp() - startedAt;
        }
    }

    /**
     * One attempt's bookkeeping as its signals pass: when it got its connection, whether the server
     * has answered, the node's load and latency. Bound with the attempt's watch, whose deadline it sees
     * as a cancellation.
     */
    private final class Bookkeeping<T> extends SignalHooks<T> {

        /** When the connection was in hand, on the pipeline's clock; 0 before. */
        private long acquiredAt;
        /** Whether the server answered (an item, a completion or an error after the acquire). */
        private boolean answered;

        @Override
        protected void onItem(T item) {
            heard();
        }

        @Override
        protected void onComplete() {
            heard();
            long now = now();
            health.recordLatency(now - acquiredAt, now);
        }

        @Override
        protected Throwable onError(Throwable error) {
            heard();
            return error;
        }

        @Override
        protected void onCancel() {
            // Abandoned before any answer: the wait so far is a lower bound of the latency, and the
            // average learns it at once (settling teaches the rest).
            if (!answered && acquiredAt != 0) {
                long now = now();
                health.recordLatency(now - acquiredAt, now);
            }
        }

        private void heard() {
            if (acquiredAt != 0) {
                answered = true;
                load.answered();
            }
        }
    }

    /** The first silence before a liveness check: a few latency averages, within the policy's bounds. */
    private Duration silenceWindow() {
        long nanos = (long) (AvailabilityPolicy.SILENCE_FACTOR * health.ewmaNanos());
        long floor = availability.silenceFloor().toNanos();
        long ceiling = availability.silenceCeiling().toNanos();
        return Duration.ofNanos(Math.max(floor, Math.min(ceiling, nanos)));
    }

    /**
     * Whether the node answers a {@code SELECT 1} on its probe connection within the probe timeout
     * (on a fresh one, within another, when that connection had died); {@code false} at once when the
     * prober already found it unreachable.
     */
    private Mono<Boolean> isAlive() {
        if (!health.probe().reachable()) {
            return Mono.just(false);
        }
        // The prober's own bound: a check that may have to open a connection on a busy machine must not
        // call a working node hung (for a write that would be an unknown outcome).
        return probe(connection -> Flux.from(connection.createStatement("SELECT 1").execute())
                        .flatMap(result -> result.map(row -> 1)), probeTimeout)
                .then(Mono.just(true))
                .onErrorReturn(false);
    }

    /**
     * Closes the pools: idle connections at once, busy ones as they are released. A connection the
     * server already dropped (terminated, restarted) may fail to close; that never fails the close,
     * nor keeps the other pool open.
     *
     * @return completes when both pools are disposed
     */
    public Mono<Void> close() {
        return Mono.when(disposed(pool, "pool"), disposed(probePool, "probe pool"));
    }

    private Mono<Void> disposed(ConnectionPool connections, String what) {
        return connections.disposeLater().onErrorResume(error -> {
            log.debug("{}: a connection of the {} failed to close ({}); the pool is disposed", name(), what,
                    error.toString());
            return Mono.empty();
        });
    }

    private long now() {
        return ticker.getAsLong();
    }

    @Override
    public String toString() {
        return "Node{" + name() + ", " + role + ", " + config.displayUrl() + "}";
    }
}
