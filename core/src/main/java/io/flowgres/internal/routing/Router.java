package io.flowgres.internal.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeHealth;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.routing.Topology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a {@link Route} to one node, afresh for every attempt, from what the prober and the
 * queries have recorded; it never runs anything itself.
 *
 * <p>A read may go to a node the prober last saw in recovery whose breaker lets calls through, that
 * is neither drained, ejected, unreachable nor lagging (or, with a per-request staleness budget,
 * within that budget), that has replayed the caller's consistency token if there is one, and that
 * did not already fail this operation; the {@link Balancer} picks among immutable
 * {@link Balancer.Candidate snapshots} of them. Otherwise {@code REPLICA_PREFERRED} falls back to
 * the writer and {@code REPLICA_ONLY} finds no node. The writer is refused at once when the prober
 * last found it unreachable (writes fail fast instead of waiting on a dead node) or its breaker is
 * open. "No node" is a {@link Selection.None result}, not an exception: the executor turns it into
 * the public error. Which node is the writer is re-judged after every probe round
 * ({@link #afterProbeRound()}): it follows a promoted replica and fences any second primary.
 */
public final class Router {

    /** Name of the counter of routing decisions, tagged {@code route} and {@code outcome}. */
    public static final String DECISIONS = "flowgres.routing.decisions";

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final List<Node> nodes;
    private final Balancer balancer;
    private final RoutingPolicy policy;
    private final AvailabilityPolicy availability;
    private final LongSupplier ticker;
    private final AtomicReference<Node> writer;
    private volatile boolean splitBrain;
    /** The decision counters by route and outcome (ordinals): resolved once, counted on every routing. */
    private final Counter[][] decisions = new Counter[Route.values().length][Outcome.values().length];

    /** Where one attempt goes. */
    public sealed interface Selection {

        /**
         * A node was chosen.
         *
         * @param node the node
         */
        record Chosen(Node node) implements Selection {
        }

        /**
         * No node the route allows can take calls now.
         *
         * @param reason a short, safe explanation
         * @param node the node that was refused, when one was (an open breaker), else {@code null}
         * @param retryAfter when trying again may help
         */
        record None(String reason, @Nullable String node, Duration retryAfter) implements Selection {
        }

        /**
         * A replica that the prober has not yet seen replay the caller's token, chosen because the
         * writer cannot take the read: the attempt must read the replica's replay position on its
         * connection and run only once it has reached the token.
         *
         * @param node the replica
         * @param token the position it must have replayed
         */
        record CheckReplay(Node node, ConsistencyToken token) implements Selection {
        }

        /**
         * The writer went away as a restarting server does: wait for it, at most until
         * {@code untilNanos}, then route again; a caller that cannot wait treats it as {@code otherwise}.
         *
         * @param writer the writer waited for
         * @param untilNanos when the wait ends, on the router's clock
         * @param otherwise what the selection is without waiting
         */
        record Await(Node writer, long untilNanos, None otherwise) implements Selection {
        }
    }

    /**
     * Creates a router.
     *
     * @param nodes every node, the configured primary first
     * @param balancer picks among eligible replicas
     * @param policy lag bounds and probe interval
     * @param availability failover delay
     * @param ticker the pipeline's clock, in nanoseconds
     * @param registry where decisions are counted and split brain is shown
     */
    public Router(List<Node> nodes, Balancer balancer, RoutingPolicy policy, AvailabilityPolicy availability,
            LongSupplier ticker, MeterRegistry registry) {
        this.nodes = List.copyOf(nodes);
        this.balancer = balancer;
        this.policy = policy;
        this.availability = availability;
        this.ticker = ticker;
        this.writer = new AtomicReference<>(this.nodes.get(0));
        Gauge.builder("flowgres.cluster.split.brain", this, router -> router.splitBrain ? 1 : 0)
                .description("1 while more than one node is out of recovery: the extra ones are fenced")
                .register(registry);
        for (Route route : Route.values()) {
            for (Outcome outcome : Outcome.values()) {
                decisions[route.ordinal()][outcome.ordinal()] = Counter.builder(DECISIONS)
                        .description("Where Flowgres routed operations")
                        .tag("route", route.name().toLowerCase(Locale.ROOT))
                        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }
    }

    /**
     * Chooses the node for one attempt.
     *
     * @param route where the operation may run
     * @param token the caller's consistency token, or {@code null}
     * @param staleness the caller's staleness budget, or {@code null} for the cluster's bounds
     * @param excluded names of nodes that already failed this operation
     * @return the node, or why there is none
     */
    public Selection select(Route route, @Nullable ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded) {
        return select(route, token, staleness, excluded, Set.of(), false);
    }

    /**
     * Chooses the node for one attempt, allowing (with {@code mayCheckOrWait}) a
     * {@link Selection.Await} for a restarting writer, and a
     * {@link Selection.CheckReplay}: a read whose token no replica is known to have replayed goes to
     * a fresh replica, to be checked on its connection, when the writer cannot take it (unreachable,
     * breaker open, or already failed in this operation) or the route allows replicas only. The last
     * probe's replay position is up to a probe interval old, so without this a read of one's own
     * write fails with the writer although the replicas have had the write for milliseconds.
     *
     * <p>Replicas in {@code refused} (a subset of {@code excluded}: their concurrency limit refused
     * this operation) are offered again before a read spills onto the writer: the caller then queues
     * the work in that replica's bounded pool queue, so that a burst past the replicas' limits waits
     * where reads belong instead of loading the primary with them.
     *
     * @param route where the operation may run
     * @param token the caller's consistency token, or {@code null}
     * @param staleness the caller's staleness budget, or {@code null} for the cluster's bounds
     * @param excluded names of nodes that already failed this operation
     * @param refused names of the excluded nodes that only refused it at their concurrency limit
     * @param mayCheckOrWait whether the caller can check a replica's replay position itself, and wait
     * @return the node, or why there is none
     */
    public Selection select(Route route, @Nullable ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded, Set<String> refused, boolean mayCheckOrWait) {
        // Only a real position can be checked: a writer-only token is never replayed anywhere.
        boolean checkable = mayCheckOrWait && token != null && route != Route.PRIMARY
                && !token.isWriterOnly();
        if (route != Route.PRIMARY) {
            long now = ticker.getAsLong();
            List<Node> eligible = eligibleReplicas(token, staleness, excluded, now);
            if (eligible.isEmpty() && !refused.isEmpty()) {
                Set<String> failed = new HashSet<>(excluded);
                failed.removeAll(refused);
                eligible = eligibleReplicas(token, staleness, failed, now); // queue on a replica at its limit
            }
            if (eligible.isEmpty() && route == Route.REPLICA_ONLY && !excluded.isEmpty()) {
                eligible = eligibleReplicas(token, staleness, Set.of(), now); // better the same replica than none
            }
            if (!eligible.isEmpty()) {
                count(route, Outcome.REPLICA);
                return new Selection.Chosen(pick(eligible));
            }
            if (route == Route.REPLICA_ONLY) {
                Selection checked = checkable ? checkedReplica(route, token, staleness, excluded, now) : null;
                if (checked != null) {
                    return checked;
                }
                count(route, Outcome.REJECTED);
                return new Selection.None("no replica available (route REPLICA_ONLY)", null, policy.probeInterval());
            }
        }
        Node writer = writer();
        NodeHealth.Probe probe = writer.health().probe();
        boolean writerCannot = !probe.reachable() || !writer.gate().isAvailable()
                || excluded.contains(writer.name());
        if (checkable && writerCannot) {
            Selection checked = checkedReplica(route, token, staleness, excluded, ticker.getAsLong());
            if (checked != null) {
                return checked;
            }
        }
        if (!probe.reachable()) {
            // The prober's verdict gates traffic at once, at any traffic level.
            Selection.None none = new Selection.None("writer unreachable (" + (probe.failure() != null
                    ? probe.failure() : "answering again, not yet " + availability.returnAfterProbes()
                            + " good probes in a row") + ")", writer.name(), policy.probeInterval());
            long holdEnd = probe.downSinceNanos() + availability.restartHold().toNanos();
            if (mayCheckOrWait && isRestarting(probe) && ticker.getAsLong() < holdEnd) {
                count(route, Outcome.HELD);
                return new Selection.Await(writer, holdEnd, none);
            }
            count(route, Outcome.REJECTED);
            return none;
        }
        if (!writer.gate().isAvailable()) {
            count(route, Outcome.REJECTED);
            return new Selection.None("circuit breaker open", writer.name(), writer.gate().retryAfter());
        }
        count(route, route == Route.PRIMARY ? Outcome.PRIMARY : Outcome.PRIMARY_FALLBACK);
        return new Selection.Chosen(writer);
    }

    /**
     * Whether a wait for a restarting writer is over: it answers probes again, or another node took
     * the writes, or it no longer looks like a restart.
     *
     * @param awaited the writer waited for
     * @return true when routing again may find a writer (or fail for good)
     */
    public boolean isAwaitOver(Node awaited) {
        NodeHealth.Probe probe = awaited.health().probe();
        return writer() != awaited || probe.reachable() || !isRestarting(probe);
    }

    /**
     * A node that went away as a restarting server does: its connections refused or ended by a
     * shutdown ({@code 57P01} to {@code 57P03}), not timing out, which is what a hung one does; or
     * one that answers again and awaits its last good probes.
     */
    private static boolean isRestarting(NodeHealth.Probe probe) {
        String failure = probe.failure();
        return failure == null || failure.equals("connection") || failure.startsWith("sqlstate 57P");
    }

    /** A fresh replica for a token to be checked on the connection, or {@code null} when none is. */
    private @Nullable Selection checkedReplica(Route route, ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded, long now) {
        List<Node> fresh = eligibleReplicas(null, staleness, excluded, now);
        if (fresh.isEmpty()) {
            return null;
        }
        count(route, Outcome.REPLICA_CHECKED);
        return new Selection.CheckReplay(pick(fresh), token);
    }

    private Node pick(List<Node> eligible) {
        if (eligible.size() == 1) {
            return eligible.get(0);
        }
        List<Balancer.Candidate> candidates = new ArrayList<>(eligible.size());
        for (Node node : eligible) {
            candidates.add(new Balancer.Candidate(node.name(), node.weight(), node.health().ewmaNanos(),
                    node.health().typicalNanos(),
                    node.load().stallNanos(), node.loadCount()));
        }
        Balancer.Candidate chosen = balancer.pick(candidates);
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i) == chosen) {
                return eligible.get(i);
            }
        }
        throw new IllegalStateException("balancer must return one of its candidates, was " + chosen);
    }

    /** The node writes go to now. */
    public Node writer() {
        return writer.get();
    }

    /** Whether more than one node is out of recovery (the extra ones are fenced). */
    public boolean isSplitBrain() {
        return splitBrain;
    }

    /**
     * Re-judges which node takes the writes, after each probe round. The writer stays while it is
     * reachable and out of recovery. It moves to another node only when exactly one other reachable
     * node is out of recovery and the writer is either in recovery (demoted) or has been unreachable
     * for the failover delay: never two writers. Any other node out of recovery is fenced (no reads,
     * no writes) and reported as split brain.
     */
    public void afterProbeRound() {
        long now = ticker.getAsLong();
        Node current = writer.get();
        NodeHealth.Probe probe = current.health().probe();
        boolean currentWrites = probe.reachable() && current.observedRole() == NodeRole.PRIMARY;
        List<Node> others = new ArrayList<>();
        for (Node node : nodes) {
            if (node != current && node.health().probe().reachable() && node.observedRole() == NodeRole.PRIMARY) {
                others.add(node);
            }
        }
        if (!currentWrites && others.size() == 1) {
            boolean gone = !probe.reachable() && now - probe.downSinceNanos() >= availability.failoverAfter().toNanos();
            boolean demoted = probe.reachable() && current.observedRole() == NodeRole.REPLICA;
            if (gone || demoted) {
                Node next = others.get(0);
                if (writer.compareAndSet(current, next)) {
                    log.warn("Writes move from {} ({}) to {}, which is out of recovery", current.name(),
                            gone ? "unreachable" : "in recovery", next.name());
                }
                current = next;
                others.clear();
            }
        }
        boolean split = !others.isEmpty() && (currentWrites || others.size() > 1);
        if (split && !splitBrain) {
            log.error("Split brain: {} out of recovery besides the writer {}; fenced: no reads, no writes",
                    others.stream().map(Node::name).toList(), current.name());
        }
        splitBrain = split;
    }

    /** The cluster as routing sees it now. */
    public Topology topology() {
        return NodeViews.topology(nodes, writer(), ticker.getAsLong());
    }

    private List<Node> eligibleReplicas(@Nullable ConsistencyToken token, @Nullable Duration staleness,
            Set<String> excluded, long now) {
        List<Node> eligible = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            if (!excluded.contains(node.name()) && isEligible(node, token, staleness, now)) {
                eligible.add(node);
            }
        }
        return eligible;
    }

    /**
     * Whether a node may take a read as a replica now.
     *
     * @param node the node
     * @param token the caller's consistency token, or {@code null}
     * @param staleness the caller's staleness budget, or {@code null} for the cluster's bounds
     * @param now the clock's current time
     * @return {@code true} when eligible
     */
    static boolean isEligible(Node node, @Nullable ConsistencyToken token, @Nullable Duration staleness, long now,
            RoutingPolicy policy) {
        NodeHealth.Probe probe = node.health().probe();
        if (node.observedRole() != NodeRole.REPLICA || !node.gate().isAvailable() || node.gate().isDrained()
                || !probe.reachable() || node.health().isEjected(now)) {
            return false;
        }
        boolean fresh = staleness == null
                ? !probe.lagging()
                : probe.lagSeconds() <= staleness.toNanos() / 1e9 && probe.lagBytes() <= policy.maxLagBytes();
        return fresh && (token == null || token.isSatisfiedBy(probe.replayLsn()));
    }

    private boolean isEligible(Node node, @Nullable ConsistencyToken token, @Nullable Duration staleness, long now) {
        return isEligible(node, token, staleness, now, policy);
    }

    private void count(Route route, Outcome outcome) {
        decisions[route.ordinal()][outcome.ordinal()].increment();
    }

    /** What a routing decision came to: the {@code outcome} tag of {@link #DECISIONS}, in lower case. */
    private enum Outcome {
        /** A replica took the read. */
        REPLICA,
        /** A replica took a read of one's own write after checking, on its connection, that it has it. */
        REPLICA_CHECKED,
        /** The writer, for a write or a read routed there. */
        PRIMARY,
        /** The writer took a read no replica could. */
        PRIMARY_FALLBACK,
        /** The operation waits for a restarting writer. */
        HELD,
        /** No node could take it. */
        REJECTED
    }
}
