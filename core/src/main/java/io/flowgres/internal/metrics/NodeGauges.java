package io.flowgres.internal.metrics;

import java.util.List;

import io.flowgres.internal.node.Node;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Gauges of what routing knows per node: replication lag in bytes and seconds, the latency average
 * and the in-flight count ({@code flowgres.node.*}, tagged {@code node} and {@code role}).
 */
public final class NodeGauges {

    private NodeGauges() {
    }

    /**
     * Registers the gauges of every node; they read the nodes' live state when scraped.
     *
     * @param registry the registry
     * @param nodes the nodes
     */
    public static void bind(MeterRegistry registry, List<Node> nodes) {
        for (Node node : nodes) {
            String role = node.role().tag();
            Gauge.builder("flowgres.node.lag.bytes", node, n -> n.health().probe().lagBytes())
                    .description("Bytes of WAL a replica is behind the primary").baseUnit("bytes")
                    .tag("node", node.name()).tag("role", role).register(registry);
            Gauge.builder("flowgres.node.lag.seconds", node, n -> n.health().probe().lagSeconds())
                    .description("Seconds a replica is behind while WAL is outstanding").baseUnit("seconds")
                    .tag("node", node.name()).tag("role", role).register(registry);
            Gauge.builder("flowgres.node.latency.ewma", node, n -> n.health().ewmaNanos() / 1e9)
                    .description("Peak-sensitive moving average of the node's query latency").baseUnit("seconds")
                    .tag("node", node.name()).tag("role", role).register(registry);
            Gauge.builder("flowgres.node.limit", node, n -> n.limiter().limit())
                    .description("The node's adaptive concurrency limit (-1 when limits are off)")
                    .tag("node", node.name()).tag("role", role).register(registry);
            Gauge.builder("flowgres.node.limit.inflight", node, n -> n.limiter().inFlight())
                    .description("Work admitted by the node's concurrency limit and not yet ended")
                    .tag("node", node.name()).tag("role", role).register(registry);
            Gauge.builder("flowgres.node.inflight", node, n -> n.load().inFlight())
                    .description("Operations running on the node").tag("node", node.name()).tag("role", role)
                    .register(registry);
        }
    }
}
