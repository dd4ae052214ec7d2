package io.flowgres.reference.health;

import io.flowgres.Flowgres;
import io.flowgres.health.HealthMonitor;
import io.flowgres.reference.admin.AdminAccess;
import io.flowgres.web.problem.ProblemResponses;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The reference service's health routes: {@code GET /api/health} and {@code GET /api/health/deep}. */
@Configuration(proxyBeanMethods = false)
public class HealthConfiguration {

    /** Creates the configuration. */
    public HealthConfiguration() {
    }

    /**
     * The health routes, wrapped by the problem mapper.
     *
     * @param monitor the health monitor
     * @param flowgres the facade
     * @param access who may see node details
     * @return the routes
     */
    @Bean
    public RouterFunction<ServerResponse> healthRoutes(HealthMonitor monitor, Flowgres flowgres, AdminAccess access) {
        HealthHandler handler = new HealthHandler(monitor, flowgres, access);
        return RouterFunctions.route()
                .GET("/api/health", handler::quick)
                .GET("/api/health/deep", handler::deep)
                .filter(ProblemResponses.filter())
                .build();
    }
}
