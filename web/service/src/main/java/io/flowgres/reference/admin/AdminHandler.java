package io.flowgres.reference.admin;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.web.actuate.FlowgresEndpoint;
import io.flowgres.web.cache.CacheAdmin;
import io.flowgres.web.problem.BadRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Admin operations, each logged: the slow-query report, resetting a node's circuit breaker,
 * draining a replica (out of rotation, then waiting for its running operations) and putting it
 * back, and clearing caches.
 */
final class AdminHandler {

    /** Default bound on waiting for a drained node's operations. */
    static final Duration DEFAULT_DRAIN_WAIT = Duration.ofSeconds(30);
    /** Default number of entries in each slow-query list. */
    static final int DEFAULT_LIMIT = 10;

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private final Flowgres flowgres;
    private final List<CacheAdmin> caches;

    AdminHandler(Flowgres flowgres, List<CacheAdmin> caches) {
        this.flowgres = flowgres;
        this.caches = List.copyOf(caches);
    }

    /** {@code GET /api/admin/slow-queries?limit=10}: top N by count and by total time since start. */
    Mono<ServerResponse> slowQueries(ServerRequest request) {
        return Mono.defer(() -> {
            int limit = intParam(request, "limit", DEFAULT_LIMIT, 1, 100);
            return ServerResponse.ok().bodyValue(FlowgresEndpoint.slowQueryReport(flowgres.slowQueries(), limit));
        });
    }

    /** {@code POST /api/admin/nodes/{node}/breaker/reset}. */
    Mono<ServerResponse> resetBreaker(ServerRequest request) {
        return Mono.defer(() -> {
            String node = node(request);
            String before = operate("node", () -> flowgres.resetBreaker(node));
            String after = flowgres.topology().node(node).map(view -> view.breaker()).orElse("unknown");
            log.warn("Admin: reset circuit breaker of {} (was {})", node, before);
            return ServerResponse.ok().bodyValue(Map.of("node", node, "breaker", upper(after), "previous",
                    upper(before)));
        });
    }

    /** {@code POST /api/admin/nodes/{node}/drain?waitSeconds=30}: out of rotation, then wait. */
    Mono<ServerResponse> drain(ServerRequest request) {
        return Mono.defer(() -> {
            String node = node(request);
            Duration wait = Duration.ofSeconds(intParam(request, "waitSeconds", (int) DEFAULT_DRAIN_WAIT.toSeconds(),
                    0, 600));
            operate("node", () -> {
                flowgres.drain(node);
                return node;
            });
            log.warn("Admin: draining {} ({} operation(s) running, waiting up to {})", node, inFlight(node), wait);
            return Flux.interval(Duration.ZERO, POLL)
                    .filter(tick -> inFlight(node) == 0)
                    .next()
                    .map(tick -> true)
                    .timeout(wait, Mono.just(false))
                    .flatMap(idle -> {
                        log.warn("Admin: {} drained; {}", node, idle ? "idle" : inFlight(node)
                                + " operation(s) still running after " + wait);
                        return ServerResponse.ok().bodyValue(Map.of("node", node, "drained", true, "idle",
                                idle, "inFlight", inFlight(node)));
                    });
        });
    }

    /** {@code POST /api/admin/nodes/{node}/undrain}. */
    Mono<ServerResponse> undrain(ServerRequest request) {
        return Mono.defer(() -> {
            String node = node(request);
            flowgres.undrain(node);
            log.warn("Admin: {} back in rotation", node);
            return ServerResponse.ok().bodyValue(Map.of("node", node, "drained", false));
        });
    }

    /** {@code POST /api/admin/caches/clear}: calls every {@link CacheAdmin}. */
    Mono<ServerResponse> clearCaches(ServerRequest request) {
        return Flux.fromIterable(caches)
                .concatMap(CacheAdmin::clearAll)
                .then(Mono.defer(() -> {
                    log.warn("Admin: cleared {} cache(s)", caches.size());
                    return ServerResponse.ok().bodyValue(Map.of("cleared", caches.size()));
                }));
    }

    /** The node named in the path, checked against the topology. */
    private String node(ServerRequest request) {
        String name = request.pathVariable("node");
        if (flowgres.topology().node(name).isEmpty()) {
            throw BadRequestException.forParameter("node", "node must be one of " + flowgres.topology().nodes()
                    .stream().map(view -> view.name()).toList() + ", was '" + name + "'");
        }
        return name;
    }

    /** Runs an operator action; a refusal (draining the primary) is the caller's mistake: 400. */
    private static <T> T operate(String parameter, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw BadRequestException.forParameter(parameter, e.getMessage());
        }
    }

    private int inFlight(String node) {
        return flowgres.topology().node(node).map(view -> view.inFlight()).orElse(0);
    }

    private static String upper(String state) {
        return state.toUpperCase(java.util.Locale.ROOT);
    }

    static int intParam(ServerRequest request, String name, int defaultValue, int min, int max) {
        String raw = request.queryParam(name).orElse(null);
        if (raw == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, like an out-of-range value
        }
        throw BadRequestException.forParameter(name, name + " must be an integer from " + min + " to " + max);
    }
}
