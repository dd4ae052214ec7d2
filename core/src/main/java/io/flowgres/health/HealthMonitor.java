package io.flowgres.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.flowgres.Flowgres;
import io.flowgres.internal.Checks;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Topology;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Keeps the cluster's health at hand so that a health endpoint answers at once, whatever the
 * database is doing.
 *
 * <ul>
 *   <li>{@link #quick()} returns the last report from memory: it never blocks and never touches
 *       the network. When that report is older than the {@linkplain HealthPolicy#cacheTtl() TTL}
 *       it also starts a re-check in the background, for the next caller.</li>
 *   <li>{@link #deep()} asks the prober, the single source of node truth, for a round now
 *       ({@link Flowgres#probeNow()}: every node in parallel, on its own connection, outside the
 *       breakers, bounded by the probe timeout) and builds the report from the
 *       {@link Flowgres#topology() topology} it leaves: reachability and round trip, role, lag,
 *       breaker, drain and pool figures. The whole check is bounded by
 *       {@link HealthPolicy#checkTimeout()}; past it the report is built from what the prober
 *       last knew. The result also refreshes the cache.</li>
 *   <li>{@link #start()} re-checks every {@link HealthPolicy#refreshInterval()} in the background,
 *       one check at a time, until {@link #close()}.</li>
 * </ul>
 *
 * <p>Overall status: {@code UP} when every node is up; {@code DEGRADED} when the primary is up but
 * some replica is down, lagging or not in recovery (still ready: reads fall back to the primary);
 * {@code DOWN} when the primary does not answer, its breaker is open, or it is in recovery. Before
 * the first check finishes the report is {@code DOWN} with no nodes: not ready until proven so.
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final Supplier<Mono<HealthReport>> check;
    private final HealthPolicy policy;
    private final Scheduler scheduler;
    private final AtomicReference<Cached> last;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final AtomicReference<@Nullable Disposable> loop = new AtomicReference<>();

    HealthMonitor(Supplier<Mono<HealthReport>> check, HealthPolicy policy, Scheduler scheduler) {
        this.check = check;
        this.policy = policy;
        this.scheduler = scheduler;
        this.last = new AtomicReference<>(
                new Cached(new HealthReport(HealthReport.Status.DOWN, Instant.EPOCH, List.of()), Long.MIN_VALUE));
    }

    /**
     * A monitor of a Flowgres cluster on Reactor's parallel scheduler; call {@link #start()}.
     *
     * @param flowgres the facade whose nodes to check
     * @param policy intervals, bounds and lag threshold
     * @return the monitor, not yet started
     */
    public static HealthMonitor create(Flowgres flowgres, HealthPolicy policy) {
        return create(flowgres, policy, Schedulers.parallel());
    }

    /**
     * A monitor whose intervals and bounds run on the given scheduler; exists to facilitate testing.
     *
     * @param flowgres the facade whose nodes to check
     * @param policy intervals, bounds and lag threshold
     * @param scheduler times the refresh loop, the TTL and the overall bound
     * @return the monitor, not yet started
     */
    public static HealthMonitor create(Flowgres flowgres, HealthPolicy policy, Scheduler scheduler) {
        Checks.notNull(flowgres, "flowgres");
        Checks.notNull(policy, "policy");
        Checks.notNull(scheduler, "scheduler");
        return new HealthMonitor(() -> flowgres.probeNow()
                .timeout(policy.checkTimeout(), Mono.empty(), scheduler)
                .then(Mono.fromSupplier(() -> report(flowgres.topology(), policy))), policy, scheduler);
    }

    /** The policy this monitor follows. */
    public HealthPolicy policy() {
        return policy;
    }

    /**
     * Starts the background checks, the first at once. Idempotent.
     *
     * @return this monitor
     */
    public HealthMonitor start() {
        Disposable started = Flux.interval(Duration.ZERO, policy.refreshInterval(), scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> refresh().onErrorResume(error -> {
                    log.warn("Health check failed: {}", error.toString());
                    return Mono.empty();
                }), 0)
                .subscribe();
        if (!loop.compareAndSet(null, started)) {
            started.dispose();
        }
        return this;
    }

    /**
     * The last report, from memory; starts a background re-check when it is older than the TTL.
     * Never blocks.
     *
     * @return the cached report ({@code DOWN} with no nodes before the first check)
     */
    public HealthReport quick() {
        Cached cached = last.get();
        boolean stale = cached.atNanos == Long.MIN_VALUE || now() - cached.atNanos > policy.cacheTtl().toNanos();
        if (stale && refreshing.compareAndSet(false, true)) {
            refresh().subscribe(report -> { }, error -> log.warn("Health check failed: {}", error.toString()));
        }
        return cached.report;
    }

    /**
     * How old the cached report is.
     *
     * @return its age, or {@code null} before the first check
     */
    public @Nullable Duration age() {
        Cached cached = last.get();
        return cached.atNanos == Long.MIN_VALUE ? null : Duration.ofNanos(now() - cached.atNanos);
    }

    /**
     * Checks every node now, bounded in time, and caches the result.
     *
     * @return the fresh report; never fails
     */
    public Mono<HealthReport> deep() {
        return Mono.defer(check).doOnNext(this::store);
    }

    private Mono<HealthReport> refresh() {
        refreshing.set(true);
        return deep().doFinally(signal -> refreshing.set(false));
    }

    private void store(HealthReport report) {
        HealthReport previous = last.getAndSet(new Cached(report, now())).report;
        if (previous.status() != report.status()) {
            log.info("Cluster health {} -> {}", previous.status(), report.status());
        }
    }

    /** Stops the background checks. */
    @Override
    public void close() {
        Disposable running = loop.getAndSet(null);
        if (running != null) {
            running.dispose();
        }
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    /**
     * Judges each node of a topology: the writer is {@code DOWN} when unreachable, its breaker is
     * open or it is in recovery; a replica is {@code DOWN} when unreachable, {@code DEGRADED} when
     * it lags beyond the policy, its lag is unknown beyond it, or it is not in recovery.
     */
    static HealthReport report(Topology topology, HealthPolicy policy) {
        List<HealthReport.NodeReport> reports = new ArrayList<>(topology.nodes().size());
        for (NodeView node : topology.nodes()) {
            boolean writer = node.name().equals(topology.writer());
            String role = writer ? "primary" : "replica";
            HealthReport.Status status;
            String error = null;
            Long lag = null;
            if ("fenced".equals(node.status())) {
                status = HealthReport.Status.DOWN;
                error = "fenced: out of recovery while another node takes the writes (split brain)";
            } else if (node.probeFailure() != null || "down".equals(node.status())) {
                status = HealthReport.Status.DOWN;
                error = node.probeFailure() != null ? node.probeFailure() : "no answer";
            } else if (writer && "breaker-open".equals(node.status())) {
                status = HealthReport.Status.DOWN;
                error = "circuit breaker open";
            } else if (writer && !"primary".equals(node.observedRole())) {
                status = HealthReport.Status.DOWN;
                error = "primary is in recovery (read-only)";
            } else if (!writer && !"replica".equals(node.observedRole())) {
                status = HealthReport.Status.DEGRADED;
                error = "replica is not in recovery";
            } else if (!writer) {
                lag = node.lagBytes();
                if (node.lagBytes() > policy.maxReplicaLagBytes()) {
                    status = HealthReport.Status.DEGRADED;
                    error = "lagging " + node.lagBytes() + " bytes";
                } else if (!node.lagKnown() && "lagging".equals(node.status())) {
                    status = HealthReport.Status.DEGRADED;
                    // Estimated from the last measurement, or measured against the writer's last known
                    // position (RoutingPolicy.lagWithoutWriter): either way, not against a live writer.
                    error = "lagging with no writer to measure against: " + Math.round(node.lagSeconds()) + " s, "
                            + node.lagBytes() + " bytes";
                } else {
                    status = HealthReport.Status.UP;
                }
            } else {
                status = HealthReport.Status.UP;
            }
            reports.add(new HealthReport.NodeReport(node.name(), role, status, node.probeMillis(), error,
                    node.breaker(), node.drained(), node.inFlight(), node.pool(), lag));
        }
        return new HealthReport(HealthReport.overall(reports), Instant.now(), reports);
    }

    private record Cached(HealthReport report, long atNanos) {
    }
}
