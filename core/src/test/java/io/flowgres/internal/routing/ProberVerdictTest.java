package io.flowgres.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeHealth;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.internal.node.PoolObserver;
import io.flowgres.routing.Balancer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The prober's verdict on a probe that times out, against a server that accepts connections and
 * never answers (what a frozen PostgreSQL looks like from the client): a verdict when the node
 * answered nothing since the probe began, none when it answered other work meanwhile, since then
 * the node is working and what was slow is the probe (a starved JVM under load delayed its signals).
 */
final class ProberVerdictTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private final AtomicLong clock = new AtomicLong(0);
    private final List<Node> nodes = new ArrayList<>();
    /** One silent server per node: connections complete in the kernel's backlog and are never read. */
    private final List<ServerSocket> silent = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        nodes.forEach(node -> node.close().block(Duration.ofSeconds(10)));
        for (ServerSocket server : silent) {
            server.close();
        }
    }

    /**
     * Opens a primary and a replica on silent servers, and a prober over them; called inside virtual
     * time, so that their timers are virtual.
     */
    private Prober prober() {
        RoutingPolicy policy = RoutingPolicy.builder().probeInterval(Duration.ofSeconds(1)).probeTimeout(TIMEOUT)
                .build();
        ClusterConfig cluster = ClusterConfig.builder()
                .primary(NodeConfig.of("primary", silentUrl()))
                .replica(NodeConfig.of("replica-1", silentUrl()))
                .credentials("user", "password").routing(policy).build();
        for (NodeConfig config : cluster.nodes()) {
            nodes.add(Node.open(config, nodes.isEmpty() ? NodeRole.PRIMARY : NodeRole.REPLICA, cluster,
                    CircuitBreaker.ofDefaults(config.name()), Schedulers.parallel(), clock::get, PoolObserver.NONE));
        }
        Router router = new Router(nodes, Balancer.powerOfTwoChoices(new SplittableRandom(1)), policy,
                cluster.availability(), clock::get, new SimpleMeterRegistry());
        return new Prober(nodes, policy, Schedulers.parallel(), clock::get, router);
    }

    private String silentUrl() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            silent.add(server);
            return "r2dbc:postgresql://127.0.0.1:" + server.getLocalPort() + "/none";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aTimedOutProbeIsAVerdictOnlyWhenTheNodeAnsweredNothingMeanwhile() {
        StepVerifier.withVirtualTime(() -> prober().probeAll())
                .expectSubscription()
                .then(() -> {
                    // Other work on the primary is answered while both probes wait; the replica answers nothing.
                    clock.addAndGet(Duration.ofMillis(100).toNanos());
                    nodes.get(0).load().answered();
                })
                .thenAwait(TIMEOUT)
                .verifyComplete();

        NodeHealth.Probe primary = nodes.get(0).health().probe();
        assertThat(primary.probed()).as("the primary's probe was no verdict").isFalse();
        assertThat(primary.reachable()).isTrue();
        NodeHealth.Probe replica = nodes.get(1).health().probe();
        assertThat(replica.reachable()).as("the silent replica is down").isFalse();
        assertThat(replica.failure()).isEqualTo("timeout");
    }

    @Test
    void anAnswerFromBeforeTheProbeDoesNotExcuseItsTimeout() {
        StepVerifier.withVirtualTime(() -> {
                    clock.addAndGet(Duration.ofMillis(100).toNanos());
                    Prober prober = prober();
                    // Answered, then frozen: the answer is older than the probe.
                    nodes.get(0).load().answered();
                    clock.addAndGet(1);
                    return Mono.defer(prober::probeAll);
                })
                .expectSubscription()
                .thenAwait(TIMEOUT)
                .verifyComplete();

        NodeHealth.Probe primary = nodes.get(0).health().probe();
        assertThat(primary.reachable()).as("the frozen primary is down").isFalse();
        assertThat(primary.failure()).isEqualTo("timeout");
    }
}
