package io.flowgres.internal.r2dbc;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.SqlStates;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.routing.Router;
import io.flowgres.query.UnavailableException;
import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.routing.Staleness;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The cluster as one R2DBC {@link ConnectionFactory}. Each {@link #create()} reads the route, the
 * consistency token and the staleness budget from the subscriber's Reactor {@code Context}
 * ({@link FlowgresRouting}; the writer when nothing is there), lets the {@link Router} choose a
 * node, and leases a pooled connection of that node through its concurrency limit and circuit
 * breaker, counted as its load. A node that refuses (at its limit, breaker open) or whose pool fails
 * to hand out a connection within the pool's acquire deadline is recorded as failed and passed over
 * for another eligible node, at most once per node; nothing reached the server, so trying elsewhere
 * is always safe. When no node is left the subscriber gets an {@link UnavailableException}; the
 * writer's route has no alternative and fails at its first refusal.
 *
 * <p>Unlike the facade's operations, nothing is retried once the connection is handed out: the
 * caller (Spring's transaction manager, {@code DatabaseClient}) owns the work on it.
 */
public final class FlowgresConnectionFactory implements ConnectionFactory {

    /** How soon a node that failed to hand out a connection is worth trying again. */
    static final Duration RECONNECT_HINT = Duration.ofSeconds(1);

    private final List<Node> nodes;
    private final Router router;
    private final LongSupplier ticker;

    /**
     * Creates the factory over an engine's nodes.
     *
     * @param nodes every node, the configured primary first
     * @param router chooses the node of each connection
     * @param ticker the pipeline's clock, in nanoseconds
     */
    public FlowgresConnectionFactory(List<Node> nodes, Router router, LongSupplier ticker) {
        this.nodes = List.copyOf(nodes);
        this.router = router;
        this.ticker = ticker;
    }

    @Override
    public Mono<Connection> create() {
        return Mono.deferContextual(context -> {
            Route route = FlowgresRouting.routeOf(context);
            // Only work on the writer's own route can write; work that fell back to it from a replica route cannot.
            Consumer<ConsistencyToken> writes = route == Route.PRIMARY
                    ? FlowgresRouting.writeRecorderOf(context).orElse(null) : null;
            return lease(route, FlowgresRouting.consistencyOf(context).orElse(null),
                    Staleness.of(context).orElse(null), writes, Set.of(), null);
        });
    }

    /** PostgreSQL's own metadata (Spring Data picks its dialect by the name). */
    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return nodes.get(0).connectionFactory().getMetadata();
    }

    /**
     * Chooses a node not yet refused and leases from it; on refusal, the next. Called when the lease is
     * subscribed (from {@link #create()}'s {@code deferContextual}, or when a node refused), so it
     * chooses at once, with no {@code defer} of its own.
     */
    private Mono<Connection> lease(Route route, @Nullable ConsistencyToken token, @Nullable Duration staleness,
            @Nullable Consumer<ConsistencyToken> writes, Set<String> refused,
            @Nullable UnavailableException lastRefusal) {
        Router.Selection selection = router.select(route, token, staleness, refused);
        if (selection instanceof Router.Selection.None none) {
            return Mono.error(lastRefusal != null ? lastRefusal
                    : new UnavailableException("no connection: " + none.reason(), null, none.node(), null,
                            none.retryAfter(), null));
        }
        Node node = ((Router.Selection.Chosen) selection).node();
        if (lastRefusal != null && refused.contains(node.name())) {
            // The route's only node (the writer, or the same replica again) already refused.
            return Mono.error(lastRefusal);
        }
        return leaseOn(node, writes).onErrorResume(error -> {
            UnavailableException refusal = unavailable(node, error);
            Set<String> next = with(refused, node.name());
            return next.size() >= nodes.size() ? Mono.error(refusal)
                    : lease(route, token, staleness, writes, next, refusal);
        });
    }

    /**
     * One lease on one node: its limit, its breaker, its pool (bounded by the pool's acquire deadline).
     * Called when the lease is subscribed, like {@link #lease}: it takes the node's permits at once.
     */
    private Mono<Connection> leaseOn(Node node, @Nullable Consumer<ConsistencyToken> writes) {
        Node.Admission admission = node.admit(false);
        RuntimeException refusal = admission.refusal();
        if (refusal != null) {
            return Mono.error(refusal);
        }
        CircuitBreaker breaker = node.gate().breaker();
        // Admitted without queueing past the limit: the limit's permit was taken.
        NodeLease lease = new NodeLease(node, Objects.requireNonNull(admission.limit()));
        long started = ticker.getAsLong();
        // One operator per outcome (the success's bookkeeping rides on the map): every connection the factory
        // hands out passes here.
        return node.acquire()
                .<Connection>map(connection -> {
                    long now = ticker.getAsLong();
                    if (lease.judge()) {
                        breaker.onSuccess(now - started, TimeUnit.NANOSECONDS);
                    }
                    // Not an answer of the server (the stall goes on): an idle pooled connection is handed
                    // out without a round trip, and a frozen node's pool still has some for a while.
                    node.health().recordSuccess(now);
                    return new LeasedConnection(connection, lease, writes);
                })
                .doOnError(error -> {
                    long now = ticker.getAsLong();
                    if (lease.judge()) {
                        breaker.onError(now - started, TimeUnit.NANOSECONDS, error);
                    }
                    node.health().recordFailure(now);
                    lease.endFailed(error);
                })
                .doOnCancel(() -> {
                    if (lease.judge()) {
                        breaker.releasePermission();
                    }
                    lease.end();
                });
    }

    /** The public error for a node that refused or failed to hand out a connection; no URL in it. */
    private static UnavailableException unavailable(Node node, Throwable error) {
        String where = "no connection from " + node.name() + ": ";
        if (error instanceof NodeOverloadedException) {
            return new UnavailableException(where + "node at its concurrency limit", null, node.name(), null,
                    RECONNECT_HINT, null);
        }
        if (error instanceof CallNotPermittedException) {
            return new UnavailableException(where + "circuit breaker open", null, node.name(), null,
                    node.gate().retryAfter(), error);
        }
        Throwable cause = error instanceof NodeAcquireException && error.getCause() != null ? error.getCause() : error;
        String reason = SqlStates.isTimeout(cause) ? "no pooled connection became free in time"
                : "cannot obtain a connection (" + cause.getClass().getSimpleName() + ")";
        return new UnavailableException(where + reason, null, node.name(), SqlStates.sqlState(cause), RECONNECT_HINT,
                error);
    }

    private static Set<String> with(Set<String> names, String name) {
        Set<String> copy = new HashSet<>(names);
        copy.add(name);
        return Set.copyOf(copy);
    }

    @Override
    public String toString() {
        return "FlowgresConnectionFactory{nodes=" + nodes.stream().map(Node::name).toList() + "}";
    }
}
