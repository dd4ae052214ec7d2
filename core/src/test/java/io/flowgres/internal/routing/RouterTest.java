package io.flowgres.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.internal.node.PoolObserver;
import io.flowgres.routing.Balancer;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * Routing decisions from recorded node facts, on nodes whose pools never connect and a hand-driven
 * clock: eligibility (role, breaker, drain, ejection, reachability, lag, tokens, staleness), the
 * fallbacks of each route, exclusions, and the writer following a promotion.
 */
final class RouterTest {

    private static final long S = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(100 * S);
    private final RoutingPolicy policy = RoutingPolicy.builder().maxLag(Duration.ofSeconds(2)).build();
    private final ClusterConfig cluster = ClusterConfig.builder()
            .primary(NodeConfig.of("primary", "r2dbc:postgresql://127.0.0.1:1/none"))
            .replica(NodeConfig.of("replica-1", "r2dbc:postgresql://127.0.0.1:2/none"))
            .replica(NodeConfig.of("replica-2", "r2dbc:postgresql://127.0.0.1:3/none"))
            .credentials("user", "password").routing(policy).build();
    private final List<Node> nodes = new ArrayList<>();
    private Router router;

    @BeforeEach
    void open() {
        for (NodeConfig config : cluster.nodes()) {
            nodes.add(Node.open(config, nodes.isEmpty() ? NodeRole.PRIMARY : NodeRole.REPLICA, cluster,
                    CircuitBreaker.ofDefaults(config.name()), Schedulers.immediate(), clock::get, PoolObserver.NONE));
        }
        router = new Router(nodes, Balancer.powerOfTwoChoices(new SplittableRandom(3)), policy,
                cluster.availability(), clock::get, new SimpleMeterRegistry());
        primaryUp();
        replicaAt(replica1(), 1000, 0);
        replicaAt(replica2(), 1000, 0);
    }

    @AfterEach
    void close() {
        nodes.forEach(node -> node.close().block());
    }

    @Test
    void readsGoToReplicasOnly() {
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).containsOnly("replica-1", "replica-2");
    }

    @Test
    void writesGoToThePrimary() {
        assertThat(chosen(Route.PRIMARY, null, null, Set.of())).isEqualTo("primary");
    }

    @Test
    void laggingReplicaLeavesRotation() {
        replicaAt(replica1(), 400, 3 * S);

        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).containsOnly("replica-2");
    }

    @Test
    void everyReplicaUnfitFallsBackToThePrimaryOrFailsForReplicaOnly() {
        replica1().gate().drain();
        replica2().gate().breaker().transitionToOpenState();

        assertThat(chosen(Route.REPLICA_PREFERRED, null, null, Set.of())).isEqualTo("primary");
        Router.Selection none = router.select(Route.REPLICA_ONLY, null, null, Set.of());
        assertThat(none).isInstanceOf(Router.Selection.None.class);
        assertThat(((Router.Selection.None) none).retryAfter()).isEqualTo(policy.probeInterval());
    }

    @Test
    void unreachableOrEjectedReplicaIsSkipped() {
        replica1().health().recordProbeFailure(clock.get(), "timeout");
        for (int i = 0; i < policy.ejectAfterFailures(); i++) {
            replica2().health().recordFailure(clock.get());
        }

        assertThat(chosen(Route.REPLICA_PREFERRED, null, null, Set.of())).isEqualTo("primary");
        clock.addAndGet(policy.baseEjection().toNanos());
        assertThat(chosen(Route.REPLICA_PREFERRED, null, null, Set.of())).as("ejection over").isEqualTo("replica-2");
    }

    @Test
    void consistencyTokenNeedsAReplicaThatReplayedIt() {
        replicaAt(replica1(), 900, 0);

        assertThat(readTargets(Route.REPLICA_PREFERRED, new ConsistencyToken(1000), null, Set.of()))
                .containsOnly("replica-2");
        assertThat(chosen(Route.REPLICA_PREFERRED, new ConsistencyToken(1001), null, Set.of())).isEqualTo("primary");
        assertThat(chosen(Route.REPLICA_PREFERRED, ConsistencyToken.writerOnly(), null, Set.of()))
                .isEqualTo("primary");
    }

    @Test
    void ownWriteReadGoesToAReplicaToBeCheckedOnlyWhenTheWriterCannotTakeIt() {
        ConsistencyToken token = new ConsistencyToken(1001); // newer than any replay the prober saw
        replica2().gate().drain();

        assertThat(router.select(Route.REPLICA_PREFERRED, token, null, Set.of(), Set.of(), true))
                .as("writer fine: it takes the read").isEqualTo(new Router.Selection.Chosen(primary()));
        assertThat(router.select(Route.REPLICA_PREFERRED, token, null, Set.of("primary"), Set.of(), true))
                .as("writer failed this operation").isEqualTo(new Router.Selection.CheckReplay(replica1(), token));
        assertThat(router.select(Route.REPLICA_ONLY, token, null, Set.of(), Set.of(), true))
                .as("replicas only").isEqualTo(new Router.Selection.CheckReplay(replica1(), token));

        primary().health().recordProbeFailure(clock.get(), "connection failed");
        assertThat(router.select(Route.REPLICA_PREFERRED, token, null, Set.of(), Set.of(), true))
                .as("writer unreachable").isEqualTo(new Router.Selection.CheckReplay(replica1(), token));
        assertThat(router.select(Route.REPLICA_PREFERRED, token, null, Set.of(), Set.of(), false))
                .as("a caller that cannot check").isInstanceOf(Router.Selection.None.class);
        assertThat(router.select(Route.REPLICA_PREFERRED, ConsistencyToken.writerOnly(), null, Set.of(), Set.of(), true))
                .as("a writer-only token is never replayed").isInstanceOf(Router.Selection.None.class);
        assertThat(router.select(Route.PRIMARY, token, null, Set.of(), Set.of(), true)).as("writes never")
                .isInstanceOf(Router.Selection.None.class);
        replicaAt(replica1(), 400, 3 * S);
        assertThat(router.select(Route.REPLICA_PREFERRED, token, null, Set.of(), Set.of(), true))
                .as("a lagging replica is not fresh enough to check").isInstanceOf(Router.Selection.None.class);
    }

    @Test
    void stalenessBudgetReplacesTheClusterBound() {
        replicaAt(replica1(), 400, 3 * S);
        replicaAt(replica2(), 400, 3 * S);

        assertThat(chosen(Route.REPLICA_PREFERRED, null, null, Set.of())).isEqualTo("primary");
        assertThat(chosen(Route.REPLICA_PREFERRED, null, Duration.ofSeconds(10), Set.of())).startsWith("replica");
        assertThat(chosen(Route.REPLICA_PREFERRED, null, Duration.ofSeconds(1), Set.of())).isEqualTo("primary");
    }

    @Test
    void failedNodesAreAvoidedUnlessReplicaOnlyHasNoOther() {
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of("replica-1"))).containsOnly("replica-2");
        assertThat(chosen(Route.REPLICA_PREFERRED, null, null, Set.of("replica-1", "replica-2")))
                .isEqualTo("primary");
        assertThat(chosen(Route.REPLICA_ONLY, null, null, Set.of("replica-1", "replica-2"))).startsWith("replica");
    }

    @Test
    void replicasThatOnlyRefusedAtTheirLimitAreOfferedAgainBeforeTheWriter() {
        Set<String> both = Set.of("replica-1", "replica-2");

        assertThat(router.select(Route.REPLICA_PREFERRED, null, null, both, Set.of("replica-2"), false))
                .isEqualTo(new Router.Selection.Chosen(replica2()));
        assertThat(router.select(Route.REPLICA_PREFERRED, null, null, both, Set.of(), false))
                .as("replicas that failed: the writer").isEqualTo(new Router.Selection.Chosen(primary()));
    }

    @Test
    void openPrimaryBreakerIsNoNodeWithItsRetryAfter() {
        primary().gate().breaker().transitionToOpenState();

        Router.Selection selection = router.select(Route.PRIMARY, null, null, Set.of());

        assertThat(selection).isInstanceOf(Router.Selection.None.class);
        Router.Selection.None none = (Router.Selection.None) selection;
        assertThat(none.node()).isEqualTo("primary");
        assertThat(none.retryAfter()).isPositive();
    }

    @Test
    void promotedReplicaTakesTheWritesWhenThePrimaryIsInRecovery() {
        primary().health().recordProbe(true, 1000, 0, Double.NaN, 1_000_000, clock.get());
        replica2().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
        router.afterProbeRound();

        assertThat(router.writer().name()).isEqualTo("replica-2");
        assertThat(chosen(Route.PRIMARY, null, null, Set.of())).isEqualTo("replica-2");
        assertThat(router.topology().writer()).isEqualTo("replica-2");
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of()))
                .as("the demoted primary serves reads as a replica").containsOnly("primary", "replica-1");
    }

    @Test
    void writerFoundUnreachableRefusesWritesAtOnce() {
        primary().health().recordProbeFailure(clock.get(), "timeout");

        Router.Selection selection = router.select(Route.PRIMARY, null, null, Set.of());

        assertThat(selection).isInstanceOf(Router.Selection.None.class);
        assertThat(((Router.Selection.None) selection).reason()).isEqualTo("writer unreachable (timeout)");
        assertThat(((Router.Selection.None) selection).retryAfter()).isEqualTo(policy.probeInterval());
    }

    @Test
    void aRestartingWriterIsAwaitedUntilTheHoldEndsOrItAnswers() {
        primary().health().recordProbeFailure(clock.get(), "connection");
        long holdEnd = clock.get() + cluster.availability().restartHold().toNanos();

        assertThat(router.select(Route.PRIMARY, null, null, Set.of(), Set.of(), true))
                .isInstanceOfSatisfying(Router.Selection.Await.class, await -> {
                    assertThat(await.writer()).isSameAs(primary());
                    assertThat(await.untilNanos()).isEqualTo(holdEnd);
                    assertThat(await.otherwise().reason()).isEqualTo("writer unreachable (connection)");
                });
        assertThat(router.isAwaitOver(primary())).isFalse();
        assertThat(router.select(Route.PRIMARY, null, null, Set.of())).as("for a caller that cannot wait")
                .isInstanceOf(Router.Selection.None.class);

        clock.set(holdEnd);
        primary().health().recordProbeFailure(clock.get(), "sqlstate 57P03");
        assertThat(router.select(Route.PRIMARY, null, null, Set.of(), Set.of(), true)).as("down past the hold")
                .isInstanceOf(Router.Selection.None.class);

        for (int i = 0; i < cluster.availability().returnAfterProbes(); i++) {
            primaryUp();
        }
        assertThat(router.isAwaitOver(primary())).as("answering again").isTrue();
        assertThat(chosen(Route.PRIMARY, null, null, Set.of())).isEqualTo("primary");
    }

    @Test
    void aHungWriterIsNeverAwaited() {
        primary().health().recordProbeFailure(clock.get(), "timeout");

        assertThat(router.select(Route.PRIMARY, null, null, Set.of(), Set.of(), true))
                .isInstanceOf(Router.Selection.None.class);
        assertThat(router.isAwaitOver(primary())).isTrue();
    }

    @Test
    void unreachableNodeReturnsOnlyAfterGoodProbesInARow() {
        replica1().health().recordProbeFailure(clock.get(), "timeout");
        replicaAt(replica1(), 1000, 0);
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).as("one good probe")
                .containsOnly("replica-2");

        replicaAt(replica1(), 1000, 0);
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).as("two good probes")
                .containsOnly("replica-1", "replica-2");
    }

    @Test
    void writesFollowAPromotedReplicaAfterTheFailoverDelay() {
        primary().health().recordProbeFailure(clock.get(), "connection");
        replica2().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
        router.afterProbeRound();
        assertThat(router.writer().name()).as("not before the failover delay").isEqualTo("primary");

        clock.addAndGet(cluster.availability().failoverAfter().toNanos());
        primary().health().recordProbeFailure(clock.get(), "connection");
        router.afterProbeRound();

        assertThat(router.writer().name()).isEqualTo("replica-2");
        assertThat(chosen(Route.PRIMARY, null, null, Set.of())).isEqualTo("replica-2");
        assertThat(router.isSplitBrain()).isFalse();
    }

    @Test
    void oldPrimaryComingBackAsPrimaryIsFencedNeverASecondWriter() {
        writesFollowAPromotedReplicaAfterTheFailoverDelay();
        for (int i = 0; i < cluster.availability().returnAfterProbes(); i++) {
            primary().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
        }
        router.afterProbeRound();

        assertThat(router.writer().name()).isEqualTo("replica-2");
        assertThat(router.isSplitBrain()).isTrue();
        assertThat(router.topology().node("primary").orElseThrow().status()).isEqualTo("fenced");
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).containsOnly("replica-1");
        assertThat(chosen(Route.PRIMARY, null, null, Set.of())).isEqualTo("replica-2");
    }

    @Test
    void twoCandidatesNeverElectEither() {
        primary().health().recordProbeFailure(clock.get(), "connection");
        replica1().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
        replica2().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
        clock.addAndGet(cluster.availability().failoverAfter().toNanos());
        router.afterProbeRound();

        assertThat(router.writer().name()).isEqualTo("primary");
        assertThat(router.isSplitBrain()).isTrue();
        assertThat(router.select(Route.PRIMARY, null, null, Set.of())).isInstanceOf(Router.Selection.None.class);
    }

    @Test
    void lagThatCannotBeMeasuredIsNeverZeroAndAgesOutOfRotation() {
        replicaAt(replica1(), 1000, 0);
        primary().health().recordProbeFailure(clock.get(), "timeout");
        replica1().health().recordProbeWithoutPrimary(1000, 1_000_000, clock.get());

        assertThat(router.topology().node("replica-1").orElseThrow().lagKnown()).isFalse();
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).contains("replica-1");

        clock.addAndGet(3 * S);
        replica1().health().recordProbeWithoutPrimary(1000, 1_000_000, clock.get());

        assertThat(router.topology().node("replica-1").orElseThrow().status()).isEqualTo("lagging");
        assertThat(readTargets(Route.REPLICA_PREFERRED, null, null, Set.of())).doesNotContain("replica-1");
    }

    @Test
    void topologyShowsEachNodesStatus() {
        replica1().gate().drain();
        replica2().health().recordProbeFailure(clock.get(), "connection");

        assertThat(router.topology().nodes()).extracting(view -> view.name() + ":" + view.status())
                .containsExactly("primary:up", "replica-1:drained", "replica-2:down");
        assertThat(router.topology().node("replica-2").orElseThrow().probeFailure()).isEqualTo("connection");
    }

    private Set<String> readTargets(Route route, ConsistencyToken token, Duration staleness, Set<String> excluded) {
        Set<String> targets = new java.util.TreeSet<>();
        for (int i = 0; i < 200; i++) {
            targets.add(chosen(route, token, staleness, excluded));
        }
        return targets;
    }

    private String chosen(Route route, ConsistencyToken token, Duration staleness, Set<String> excluded) {
        Router.Selection selection = router.select(route, token, staleness, excluded);
        assertThat(selection).isInstanceOf(Router.Selection.Chosen.class);
        return ((Router.Selection.Chosen) selection).node().name();
    }

    private void primaryUp() {
        primary().health().recordProbe(false, -1, 0, Double.NaN, 1_000_000, clock.get());
    }

    private void replicaAt(Node replica, long replayLsn, long behindNanos) {
        long bytes = 1000 - replayLsn;
        if (behindNanos > 0) {
            // The lag in time counts while bytes stay outstanding: start being behind, then probe later.
            replica.health().recordProbe(true, replayLsn, bytes, Double.NaN, 1_000_000, clock.get() - behindNanos);
        }
        replica.health().recordProbe(true, replayLsn, bytes, Double.NaN, 1_000_000, clock.get());
    }

    private Node primary() {
        return nodes.get(0);
    }

    private Node replica1() {
        return nodes.get(1);
    }

    private Node replica2() {
        return nodes.get(2);
    }
}
