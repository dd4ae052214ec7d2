package io.flowgres.reference.health;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.health.HealthMonitor;
import io.flowgres.health.HealthReport;
import io.flowgres.metrics.PoolUsage;
import io.flowgres.metrics.QueryStats;
import io.flowgres.routing.NodeView;
import io.flowgres.reference.admin.AdminAccess;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The health endpoints. {@code GET /api/health} answers from the {@link HealthMonitor}'s cache, in
 * well under a millisecond whatever the database does; {@code GET /api/health/deep} checks every
 * node now (bounded). Both answer {@code 200} for UP and DEGRADED (the primary works, so the service
 * can) and {@code 503} only for DOWN. The body carries the status and summary figures; node details
 * only for a caller presenting the admin token.
 */
public final class HealthHandler {

    private final HealthMonitor monitor;
    private final Flowgres flowgres;
    private final AdminAccess access;

    /**
     * Creates the handler.
     *
     * @param monitor the health monitor
     * @param flowgres the facade, for pool and query figures
     * @param access who may see node details
     */
    public HealthHandler(HealthMonitor monitor, Flowgres flowgres, AdminAccess access) {
        this.monitor = monitor;
        this.flowgres = flowgres;
        this.access = access;
    }

    /**
     * {@code GET /api/health}: the cached report.
     *
     * @param request the request
     * @return the summary
     */
    public Mono<ServerResponse> quick(ServerRequest request) {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return respond(request, monitor.quick(), started);
        });
    }

    /**
     * {@code GET /api/health/deep}: every node checked now.
     *
     * @param request the request
     * @return the summary
     */
    public Mono<ServerResponse> deep(ServerRequest request) {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return monitor.deep().flatMap(report -> respond(request, report, started));
        });
    }

    private Mono<ServerResponse> respond(ServerRequest request, HealthReport report, long started) {
        int active = 0;
        int idle = 0;
        int pending = 0;
        int max = 0;
        for (NodeView node : flowgres.topology().nodes()) {
            PoolUsage usage = node.pool();
            active += usage.acquired();
            idle += usage.idle();
            pending += usage.pending();
            max += usage.max();
        }
        QueryStats stats = flowgres.queryStats();
        Duration age = monitor.age();
        HealthSummary body = new HealthSummary(report.status().name(), report.checkedAt(),
                age == null ? null : age.toMillis(), (System.nanoTime() - started) / 1e6,
                new HealthSummary.Connections(active, idle, pending, max),
                new HealthSummary.Queries(stats.attempts(), stats.averageMillis(), stats.errorRate()),
                access.isAuthorised(request) ? List.copyOf(report.nodes()) : null);
        return ServerResponse
                .status(report.status() == HealthReport.Status.DOWN ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body);
    }
}
