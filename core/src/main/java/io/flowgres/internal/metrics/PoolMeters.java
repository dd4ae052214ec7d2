package io.flowgres.internal.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeRole;
import io.flowgres.internal.node.PoolObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one node's pool, tagged {@code node} and {@code role}: an acquire timer
 * ({@code flowgres.pool.acquire}, tagged {@code outcome}), an event counter ({@code flowgres.pool.events},
 * tagged {@code event}: {@code created}, {@code destroyed}, {@code create_failed},
 * {@code acquire_failed}; one counter with a tag, because OpenMetrics reserves the {@code _created}
 * suffix) and, once
 * {@link #bind(Node)} is called, gauges read from the live pool ({@code flowgres.pool.acquired},
 * {@code .idle}, {@code .pending}, {@code .max}, {@code .utilisation} and {@code .health}: 0 healthy,
 * 1 degraded, 2 critical).
 *
 * <p>It is the node's {@link PoolObserver}; the node must exist before its gauges can read it,
 * hence the two steps.
 */
public final class PoolMeters implements PoolObserver {

    /** Acquire timer name. */
    public static final String ACQUIRE_TIMER = "flowgres.pool.acquire";
    /** Prefix of the pool gauges and counters. */
    public static final String PREFIX = "flowgres.pool.";
    /** Pool event counter name. */
    public static final String EVENTS = "flowgres.pool.events";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Timer acquired;
    private final Timer acquireFailed;
    private final Counter created;
    private final Counter destroyed;
    private final Counter createFailed;
    private final Counter acquireFailures;
    private final Counter rejected;

    /**
     * Creates the meters of one node.
     *
     * @param registry where to register
     * @param node the node's name
     * @param role the node's role
     */
    public PoolMeters(MeterRegistry registry, String node, NodeRole role) {
        this.registry = registry;
        this.tags = Tags.of("node", node, "role", role.name().toLowerCase(Locale.ROOT));
        this.acquired = acquireTimer("success");
        this.acquireFailed = acquireTimer("failure");
        this.created = counter("created");
        this.destroyed = counter("destroyed");
        this.createFailed = counter("create_failed");
        this.acquireFailures = counter("acquire_failed");
        this.rejected = Counter.builder("flowgres.node.rejections")
                .description("Work refused at the node's concurrency limit")
                .tags(tags)
                .register(registry);
    }

    /**
     * Registers the gauges that read the node's pool. Gauges hold the node weakly, as Micrometer
     * does, so they never keep a closed node alive.
     *
     * @param node the node these meters belong to
     */
    public void bind(Node node) {
        gauge("acquired", "Connections in use", node, n -> n.poolUsage().acquired());
        gauge("idle", "Connections open and free", node, n -> n.poolUsage().idle());
        gauge("pending", "Callers waiting for a connection", node, n -> n.poolUsage().pending());
        gauge("max", "Most connections the pool may hold", node, n -> n.poolUsage().max());
        gauge("utilisation", "Share of the maximum in use, 0 to 1", node, n -> n.poolUsage().utilisation());
        gauge("health", "Pool health: 0 healthy, 1 degraded, 2 critical", node,
                n -> n.poolUsage().health().level());
    }

    @Override
    public void recordAcquire(long nanos, boolean success) {
        (success ? acquired : acquireFailed).record(nanos, TimeUnit.NANOSECONDS);
        if (!success) {
            acquireFailures.increment();
        }
    }

    @Override
    public void recordRejected() {
        rejected.increment();
    }

    @Override
    public void recordAllocationSuccessAndLatency(long latencyMs) {
        created.increment();
    }

    @Override
    public void recordAllocationFailureAndLatency(long latencyMs) {
        createFailed.increment();
    }

    @Override
    public void recordDestroyLatency(long latencyMs) {
        destroyed.increment();
    }

    private Timer acquireTimer(String outcome) {
        return Timer.builder(ACQUIRE_TIMER)
                .description("Time callers waited for a pooled connection")
                .tags(tags)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }

    private Counter counter(String event) {
        return Counter.builder(EVENTS)
                .description("Pool events: connections created, destroyed, failed to create; acquires failed")
                .tags(tags)
                .tag("event", event)
                .register(registry);
    }

    private void gauge(String name, String description, Node node, java.util.function.ToDoubleFunction<Node> value) {
        Gauge.builder(PREFIX + name, node, value).description(description).tags(tags).register(registry);
    }
}
