package io.flowgres.web.health;

import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.health.HealthStatus;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/health}: the cluster's status with one entry per node; {@code 200} for UP and
 * DEGRADED (the primary answers, so the service can work), {@code 503} only for DOWN.
 */
public final class HealthHandler {

    /** Bound on each node's check. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Flowgres flowgres;

    /**
     * Creates the handler.
     *
     * @param flowgres the facade
     */
    public HealthHandler(Flowgres flowgres) {
        this.flowgres = flowgres;
    }

    /**
     * Answers the health request.
     *
     * @param request the request
     * @return the report
     */
    public Mono<ServerResponse> health(ServerRequest request) {
        return flowgres.checkHealth(CHECK_TIMEOUT)
                .flatMap(report -> ServerResponse
                        .status(report.status() == HealthStatus.DOWN ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(report));
    }
}
