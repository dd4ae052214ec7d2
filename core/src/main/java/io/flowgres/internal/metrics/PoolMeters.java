package io.flowgres.internal.metrics;

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
 * {@link #bind(Node)} is called, gauges read from the live pool: the connection counts under the names
 * Spring Boot gives R2DBC pools ({@code r2dbc.pool.acquired}, {@code .allocated}, {@code .idle},
 * {@code .pending}, {@code .max.allocated}, {@code .max.pending}, tagged {@code name} with the node's
 * name as well), so that dashboards made for Boot's pools read Flowgres's nodes, and Flowgres's own
 * {@code flowgres.pool.utilisation} and {@code flowgres.pool.health} (0 healthy, 1 degraded, 2 critical).
 *
 * <p>It is the node's {@link PoolObserver}; the node must exist before its gauges can read it,
 * hence the two steps.
 */
public final class PoolMeters implements PoolObserver {

    /** Acquire timer name. */
    public static final String ACQUIRE_TIMER = "flowgres.pool.acquire";
    /** Prefix of Flowgres's own pool gauges and counters. */
    public static final String PREFIX = "flowgres.pool.";
    /** Prefix of the connection-count gauges, as Spring Boot names those of R2DBC pools. */
    public static final String R2DBC_PREFIX = "r2dbc.pool.";
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
        this.tags = Tags.of("node", node, "role", role.tag());
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
        Tags named = tags.and("name", node.name());
        gauge(R2DBC_PREFIX + "acquired", "Connections in use", named, node, n -> n.poolUsage().acquired());
        gauge(R2DBC_PREFIX + "allocated", "Connections open", named, node,
                n -> n.poolUsage().acquired() + n.poolUsage().idle());
        gauge(R2DBC_PREFIX + "idle", "Connections open and free", named, node, n -> n.poolUsage().idle());
        gauge(R2DBC_PREFIX + "pending", "Callers waiting for a connection", named, node,
                n -> n.poolUsage().pending());
        gauge(R2DBC_PREFIX + "max.allocated", "Most connections the pool may hold", named, node,
                n -> n.poolUsage().max());
        gauge(R2DBC_PREFIX + "max.pending", "Most callers that may wait for a connection", named, node,
                n -> n.poolPolicy().maxPendingAcquires());
        gauge(PREFIX + "utilisation", "Share of the maximum in use, 0 to 1", tags, node,
                n -> n.poolUsage().utilisation());
        gauge(PREFIX + "health", "Pool health: 0 healthy, 1 degraded, 2 critical", tags, node,
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

    private void gauge(String name, String description, Tags gaugeTags, Node node,
            java.util.function.ToDoubleFunction<Node> value) {
        Gauge.builder(name, node, value).description(description).tags(gaugeTags).register(registry);
    }
}
