package io.flowgres.web.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.flowgres.Flowgres;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Topology;
import io.flowgres.web.cache.CacheAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code flowgres} Actuator endpoint: what an operator needs to see and do on a running service.
 * <ul>
 *   <li>{@code GET /actuator/flowgres}: the topology as routing sees it (node names only, never hosts
 *       or credentials) and the slowest queries by count and by total time;</li>
 *   <li>{@code POST /actuator/flowgres/{node}/{action}}: {@code drain}, {@code undrain} or
 *       {@code reset-breaker} one node;</li>
 *   <li>{@code POST /actuator/flowgres/clear-caches}: clear every query cache of this instance.</li>
 * </ul>
 * Like every endpoint, it is reachable only when exposed ({@code management.endpoints.web.exposure.include})
 * and is secured by the application's Actuator security. A bad node or action is a 400.
 */
@Endpoint(id = "flowgres")
public class FlowgresEndpoint {

    private static final Logger log = LoggerFactory.getLogger(FlowgresEndpoint.class);
    private static final int SLOW_QUERIES = 10;

    private final Flowgres flowgres;
    private final List<CacheAdmin> caches;

    /**
     * Creates the endpoint.
     *
     * @param flowgres the facade it reads and operates
     * @param caches the caches {@code clear-caches} clears
     */
    public FlowgresEndpoint(Flowgres flowgres, List<CacheAdmin> caches) {
        this.flowgres = flowgres;
        this.caches = List.copyOf(caches);
    }

    /**
     * The topology and the slow-query report.
     *
     * @return {@code topology} and {@code slowQueries}
     */
    @ReadOperation
    public Map<String, Object> flowgres() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("topology", flowgres.topology());
        body.put("slowQueries", slowQueryReport(flowgres.slowQueries(), SLOW_QUERIES));
        return body;
    }

    /**
     * The slow-query report as this endpoint shows it, for other operator views of the same figures.
     *
     * @param slow the slow-query log
     * @param limit how many queries each list holds
     * @return {@code thresholdMillis}, {@code byCount} and {@code byTotalTime}
     */
    public static Map<String, Object> slowQueryReport(SlowQueryLog slow, int limit) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("thresholdMillis", slow.threshold().toMillis());
        report.put("byCount", view(slow.topByCount(limit)));
        report.put("byTotalTime", view(slow.topByTotalTime(limit)));
        return report;
    }

    /**
     * Clears every query cache of this instance ({@code clear-caches}, the only instance-wide action).
     *
     * @param action {@code clear-caches}
     * @return how many caches were cleared
     */
    @WriteOperation
    public Mono<Map<String, Object>> act(@Selector String action) {
        if (!"clear-caches".equals(action)) {
            return Mono.error(new InvalidEndpointRequestException("unknown action '" + action
                    + "': the instance-wide action is clear-caches", "unknown action"));
        }
        return Flux.fromIterable(caches).concatMap(CacheAdmin::clearAll).then(Mono.fromSupplier(() -> {
            log.warn("Actuator: cleared {} cache(s)", caches.size());
            return Map.<String, Object>of("cleared", caches.size());
        }));
    }

    /**
     * Drains, undrains or resets the breaker of one node. Draining takes the node out of rotation
     * at once; running work finishes (watch its {@code inFlight} in the topology).
     *
     * @param node a node's name, as the topology lists it
     * @param action {@code drain}, {@code undrain} or {@code reset-breaker}
     * @return the node as routing sees it afterwards
     */
    @WriteOperation
    public Map<String, Object> actOnNode(@Selector String node, @Selector String action) {
        Topology topology = flowgres.topology();
        if (topology.node(node).isEmpty()) {
            throw new InvalidEndpointRequestException("unknown node '" + node + "': one of "
                    + topology.nodes().stream().map(NodeView::name).toList(), "unknown node");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("action", action);
        switch (action) {
            case "drain" -> operate(() -> {
                flowgres.drain(node);
                return node;
            });
            case "undrain" -> flowgres.undrain(node);
            case "reset-breaker" -> body.put("previousBreaker",
                    operate(() -> flowgres.resetBreaker(node)).toUpperCase(Locale.ROOT));
            default -> throw new InvalidEndpointRequestException("unknown action '" + action
                    + "': one of drain, undrain, reset-breaker", "unknown action");
        }
        log.warn("Actuator: {} {}", action, node);
        body.put("state", flowgres.topology().node(node).orElseThrow());
        return body;
    }

    /** Runs an operator action; a refusal (draining the only writer) is the caller's mistake: 400. */
    private static <T> T operate(Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidEndpointRequestException(String.valueOf(e.getMessage()), "refused");
        }
    }

    private static List<Map<String, Object>> view(List<SlowQueryLog.Stats> stats) {
        return stats.stream().map(s -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("query", s.query());
            entry.put("count", s.count());
            entry.put("totalMillis", s.totalTime().toMillis());
            entry.put("averageMillis", s.averageTime().toMillis());
            entry.put("maxMillis", s.maxTime().toMillis());
            entry.put("lastNode", s.lastNode());
            return entry;
        }).toList();
    }
}
