package io.flowgres.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.flowgres.UnavailableException;
import io.flowgres.node.Node;
import io.flowgres.node.NodeRole;
import io.flowgres.node.NodeState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Resolves a {@link Route} to one node, afresh for every attempt.
 *
 * <p>A read may go to a node the last probe saw in recovery whose breaker lets calls through, that
 * is neither drained, ejected, unreachable nor lagging (or, with a per-request staleness budget,
 * within that budget), that has replayed the caller's consistency token if there is one, and that
 * did not already fail this operation; the {@link Balancer} picks among them. Otherwise
 * {@code REPLICA_PREFERRED} falls back to the primary and {@code REPLICA_ONLY} fails fast. The
 * primary is the node the probes see out of recovery, the configured primary first, so a promoted
 * replica takes the writes when the old primary is gone or demoted.
 */
public final class Router {

    /** Name of the counter of routing decisions, tagged {@code route} and {@code outcome}. */
    public static final String DECISIONS = "flowgres.routing.decisions";

    private final List<Node> nodes;
    private final Balancer balancer;
    private final RoutingPolicy policy;
    private final Duration breakerOpenDuration;
    private final Scheduler clock;
    private final MeterRegistry registry;

    /**
     * Creates a router.
     *
     * @param nodes every node, the configured primary first
     * @param balancer picks among eligible replicas
     * @param policy the routing policy (lag bounds, rules)
     * @param breakerOpenDuration the breakers' open time, for retry-after hints
     * @param clock the pipeline's clock
     * @param registry where decisions are counted
     */
    public Router(List<Node> nodes, Balancer balancer, RoutingPolicy policy, Duration breakerOpenDuration,
            Scheduler clock, MeterRegistry registry) {
        this.nodes = List.copyOf(nodes);
        this.balancer = balancer;
        this.policy = policy;
        this.breakerOpenDuration = breakerOpenDuration;
        this.clock = clock;
        this.registry = registry;
    }

    /**
     * Chooses the node for one attempt.
     *
     * @param route where the operation may run
     * @param queryName the query, for the error message
     * @param token the caller's consistency token, or {@code null}
     * @param staleness the caller's staleness budget, or {@code null} for the cluster's bounds
     * @param excluded names of nodes that already failed this operation
     * @return the node
     * @throws UnavailableException when the route allows no node that can take calls now
     */
    public Node select(Route route, String queryName, @Nullable ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded) {
        if (route != Route.PRIMARY) {
            List<Node> eligible = eligibleReplicas(token, staleness, excluded);
            if (eligible.isEmpty() && route == Route.REPLICA_ONLY && !excluded.isEmpty()) {
                eligible = eligibleReplicas(token, staleness, Set.of()); // better the same replica than none
            }
            if (!eligible.isEmpty()) {
                count(route, "replica");
                return balancer.pick(eligible);
            }
            if (route == Route.REPLICA_ONLY) {
                count(route, "rejected");
                throw new UnavailableException("no replica available for " + queryName + " (route REPLICA_ONLY)",
                        queryName, null, null, policy.probeInterval(), null);
            }
        }
        Node primary = primary();
        if (!primary.isAvailable()) {
            count(route, "rejected");
            throw new UnavailableException("primary unavailable for " + queryName + ": circuit breaker open",
                    queryName, primary.name(), null, primary.retryAfter(breakerOpenDuration), null);
        }
        count(route, route == Route.PRIMARY ? "primary" : "primary_fallback");
        return primary;
    }

    /**
     * The node writes go to: the configured primary unless the probes see it in recovery and see
     * another node out of recovery.
     *
     * @return the primary
     */
    public Node primary() {
        Node configured = nodes.get(0);
        if (configured.observedRole() == NodeRole.PRIMARY) {
            return configured;
        }
        for (Node node : nodes) {
            if (node.observedRole() == NodeRole.PRIMARY && node.state().isReachable()) {
                return node;
            }
        }
        return configured;
    }

    /**
     * Whether a node may take reads as a replica right now under the cluster's bounds.
     *
     * @param node the node
     * @return {@code true} when eligible
     */
    public boolean isEligibleReplica(Node node) {
        return isEligible(node, null, null, clock.now(TimeUnit.NANOSECONDS));
    }

    private List<Node> eligibleReplicas(@Nullable ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded) {
        long now = clock.now(TimeUnit.NANOSECONDS);
        List<Node> eligible = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            if (!excluded.contains(node.name()) && isEligible(node, token, staleness, now)) {
                eligible.add(node);
            }
        }
        return eligible;
    }

    private boolean isEligible(Node node, @Nullable ConsistencyToken token, @Nullable Duration staleness, long now) {
        NodeState state = node.state();
        if (node.observedRole() != NodeRole.REPLICA || !node.isAvailable() || node.isDrained()
                || !state.isReachable() || state.isEjected(now)) {
            return false;
        }
        boolean fresh = staleness == null
                ? !state.isLagging()
                : state.lagSeconds() <= staleness.toNanos() / 1e9 && state.lagBytes() <= policy.maxLagBytes();
        return fresh && (token == null || token.isSatisfiedBy(state.replayLsn()));
    }

    private void count(Route route, String outcome) {
        Counter.builder(DECISIONS)
                .description("Where Flowgres routed operations")
                .tag("route", route.name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }
}
