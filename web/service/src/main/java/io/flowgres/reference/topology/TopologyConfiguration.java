package io.flowgres.reference.topology;

import io.flowgres.Flowgres;
import io.flowgres.web.problem.ProblemResponses;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/topology}: every node's configured and observed role, status (up, lagging, down,
 * ejected, breaker-open, drained), lag, latency average, in-flight count, weight and pool usage, as
 * routing sees them now. Node names only, never hosts or credentials.
 */
@Configuration(proxyBeanMethods = false)
public class TopologyConfiguration {

    /** Creates the configuration. */
    public TopologyConfiguration() {
    }

    /**
     * The topology route.
     *
     * @param flowgres the facade
     * @return the route
     */
    @Bean
    public RouterFunction<ServerResponse> topologyRoutes(Flowgres flowgres) {
        return RouterFunctions.route()
                .GET("/api/topology", request -> Mono.fromSupplier(flowgres::topology)
                        .flatMap(topology -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(topology)))
                .filter(ProblemResponses.filter())
                .build();
    }
}
