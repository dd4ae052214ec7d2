package io.flowgres.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.internal.node.PoolObserver;
import io.flowgres.routing.Balancer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The prober's pace, on nodes whose pools never connect: a round every interval while every node
 * is reachable, four times as often while one is down, so that a restarted node returns soon after
 * its good probes in a row; a wake-up (an operation failed on a node) brings the next round sooner.
 */
final class ProberRoundsTest {

    private final AtomicLong clock = new AtomicLong(0);
    private final RoutingPolicy policy = RoutingPolicy.builder().probeInterval(Duration.ofSeconds(1)).build();
    private final ClusterConfig cluster = ClusterConfig.builder()
            .primary(NodeConfig.of("primary", "r2dbc:postgresql://127.0.0.1:1/none"))
            .replica(NodeConfig.of("replica-1", "r2dbc:postgresql://127.0.0.1:2/none"))
            .credentials("user", "password").routing(policy).build();
    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(node -> node.close().block());
    }

    /** Opens the nodes (their pools never connect) and a router over them. */
    private Router openNodes() {
        for (NodeConfig config : cluster.nodes()) {
            nodes.add(Node.open(config, nodes.isEmpty() ? NodeRole.PRIMARY : NodeRole.REPLICA, cluster,
                    CircuitBreaker.ofDefaults(config.name()), Schedulers.immediate(), clock::get, PoolObserver.NONE));
        }
        return new Router(nodes, Balancer.powerOfTwoChoices(new SplittableRandom(1)), policy,
                cluster.availability(), clock::get, new SimpleMeterRegistry());
    }

    @Test
    void roundsComeFourTimesAsOftenWhileANodeIsDown() {
        Router router = openNodes();
        Prober prober = new Prober(nodes, policy, Schedulers.immediate(), clock::get, router);

        assertThat(prober.nextRoundIn()).as("all reachable").isEqualTo(Duration.ofSeconds(1));
        nodes.get(1).health().recordProbeFailure(clock.get(), "connection");
        assertThat(prober.nextRoundIn()).as("replica-1 down").isEqualTo(Duration.ofMillis(250));
        for (int good = 0; good < cluster.availability().returnAfterProbes(); good++) {
            nodes.get(1).health().recordProbe(true, 10, 0, Double.NaN, 1_000_000, clock.addAndGet(250_000_000));
        }
        assertThat(prober.nextRoundIn()).as("back after good probes in a row").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aWakeUpCutsThePauseShortButNeverBelowAQuarterOfTheInterval() {
        Router router = openNodes();

        StepVerifier.withVirtualTime(() -> new Prober(nodes, policy, Schedulers.parallel(), clock::get, router)
                        .pause())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .as("not woken: the interval")
                .verifyComplete();
        Prober[] woken = new Prober[1];
        StepVerifier.withVirtualTime(() -> {
                    woken[0] = new Prober(nodes, policy, Schedulers.parallel(), clock::get, router);
                    return woken[0].pause();
                })
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100))
                .then(() -> woken[0].wake())
                .expectNoEvent(Duration.ofMillis(149))
                .thenAwait(Duration.ofMillis(1))
                .as("woken early: a quarter of the interval after the pause began")
                .verifyComplete();
        StepVerifier.withVirtualTime(() -> {
                    woken[0] = new Prober(nodes, policy, Schedulers.parallel(), clock::get, router);
                    return woken[0].pause();
                })
                .expectSubscription()
                .thenAwait(Duration.ofMillis(600))
                .then(() -> woken[0].wake())
                .as("woken later: at once")
                .verifyComplete();
    }
}
