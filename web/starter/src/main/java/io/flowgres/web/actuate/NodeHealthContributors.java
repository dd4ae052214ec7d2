package io.flowgres.web.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowgres.health.HealthMonitor;
import io.flowgres.health.HealthReport;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * One health contributor per node ({@code flowgresNodes/primary}, {@code flowgresNodes/replica-1}, ...):
 * {@code DOWN} when the node is down, {@code UP} otherwise, with its role, latency and lag as details.
 * Answers from the {@link HealthMonitor}'s cached report. It belongs in the {@code flowgres} health
 * group, not in readiness: a replica that is down must not take the service out of its load balancer
 * (the {@code flowgresCluster} indicator, which follows the primary, is the one for readiness).
 */
public final class NodeHealthContributors {

    private NodeHealthContributors() {
    }

    /**
     * The composite contributor over the nodes.
     *
     * @param monitor the health monitor
     * @param nodes the nodes' names, as configured
     * @return one contributor per node
     */
    public static CompositeReactiveHealthContributor of(HealthMonitor monitor, List<String> nodes) {
        Map<String, ReactiveHealthContributor> contributors = new LinkedHashMap<>();
        for (String node : nodes) {
            contributors.put(node, (ReactiveHealthIndicator) () -> Mono.fromSupplier(() -> health(monitor, node)));
        }
        return CompositeReactiveHealthContributor.fromMap(contributors);
    }

    private static Health health(HealthMonitor monitor, String node) {
        HealthReport report = monitor.quick();
        return report.nodes().stream().filter(candidate -> candidate.name().equals(node)).findFirst()
                .map(found -> {
                    Health.Builder health = found.status() == HealthReport.Status.DOWN ? Health.down() : Health.up();
                    health.withDetail("role", found.role()).withDetail("status", found.status().name())
                            .withDetail("latencyMillis", found.latencyMillis()).withDetail("breaker", found.breaker())
                            .withDetail("drained", found.drained()).withDetail("inFlight", found.inFlight())
                            .withDetail("checkedAt", report.checkedAt().toString());
                    if (found.lagBytes() != null) {
                        health.withDetail("lagBytes", found.lagBytes());
                    }
                    if (found.error() != null) {
                        health.withDetail("error", found.error());
                    }
                    return health.build();
                })
                .orElseGet(() -> Health.unknown().withDetail("checkedAt", report.checkedAt().toString()).build());
    }
}
