package io.flowgres;

import java.time.Duration;
import java.util.Locale;

import io.flowgres.health.HealthStatus;
import io.flowgres.health.NodeReport;
import io.flowgres.node.Node;
import io.flowgres.resilience.SqlStates;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** One node's live check: a {@code SELECT 1} round trip, timed, with failures turned into a report. */
final class HealthCheck {

    private HealthCheck() {
    }

    static Mono<NodeReport> probe(Node node, Duration timeout) {
        String role = node.role().name().toLowerCase(Locale.ROOT);
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return node.run(connection -> Flux.from(connection.createStatement("SELECT 1").execute())
                            .flatMap(result -> result.map(row -> 1)), timeout)
                    .then(Mono.fromSupplier(() -> new NodeReport(node.name(), role, HealthStatus.UP,
                            (System.nanoTime() - started) / 1e6, null)))
                    .onErrorResume(error -> Mono.just(new NodeReport(node.name(), role, HealthStatus.DOWN, -1,
                            reason(error))));
        });
    }

    private static String reason(Throwable error) {
        if (SqlStates.isTimeout(error)) {
            return "timeout";
        }
        if (error.getClass().getSimpleName().equals("CallNotPermittedException")) {
            return "circuit breaker open";
        }
        return SqlStates.isConnectionFailure(error) ? "connection failed" : "error " + SqlStates.sqlState(error);
    }
}
