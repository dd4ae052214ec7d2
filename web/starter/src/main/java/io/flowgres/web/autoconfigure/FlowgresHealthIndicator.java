package io.flowgres.web.autoconfigure;

import io.flowgres.health.HealthMonitor;
import io.flowgres.health.HealthReport;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * Actuator's view of the cluster, for the readiness group: {@code UP} while the primary is up
 * (the cluster is {@code UP} or {@code DEGRADED}), {@code DOWN} when it is not. Answers from the
 * {@link HealthMonitor}'s cache, so a slow database never makes the probe itself slow. Node details
 * appear only where Actuator shows details ({@code management.endpoint.health.show-details}).
 */
final class FlowgresHealthIndicator implements ReactiveHealthIndicator {

    private final HealthMonitor monitor;

    FlowgresHealthIndicator(HealthMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(() -> {
            HealthReport report = monitor.quick();
            Health.Builder health = report.status() == HealthReport.Status.DOWN ? Health.down() : Health.up();
            health.withDetail("cluster", report.status().name()).withDetail("checkedAt", report.checkedAt().toString());
            for (HealthReport.NodeReport node : report.nodes()) {
                health.withDetail(node.name(), node.status().name() + (node.error() == null ? "" : " (" + node.error()
                        + ")"));
            }
            return health.build();
        });
    }
}
