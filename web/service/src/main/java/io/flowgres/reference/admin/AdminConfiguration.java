package io.flowgres.reference.admin;

import io.flowgres.Flowgres;
import io.flowgres.reference.ReferenceProperties;
import io.flowgres.web.cache.CacheAdmin;
import io.flowgres.web.problem.ProblemResponses;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The admin routes under {@code /api/admin}, for an authorised caller only (see {@link AdminAccess}):
 * slow-query report, breaker reset, drain and undrain, cache clearing, and (when enabled) the
 * diagnostic routes.
 */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

    /** Creates the configuration. */
    public AdminConfiguration() {
    }

    /**
     * Who may run admin operations and see node details.
     *
     * @param properties the Flowgres properties ({@code reference.admin.token})
     * @return the access rule
     */
    @Bean
    public AdminAccess adminAccess(ReferenceProperties properties) {
        return new AdminAccess(properties.getAdmin().getToken());
    }

    /**
     * The admin routes.
     *
     * @param flowgres the facade
     * @param access the access rule
     * @param caches the cache hooks, if any
     * @param properties the Flowgres properties
     * @return the routes, behind the access filter and the problem mapper
     */
    @Bean
    public RouterFunction<ServerResponse> adminRoutes(Flowgres flowgres, AdminAccess access,
            ObjectProvider<CacheAdmin> caches, ReferenceProperties properties) {
        AdminHandler admin = new AdminHandler(flowgres, caches.orderedStream().toList());
        RouterFunctions.Builder routes = RouterFunctions.route()
                .GET("/api/admin/slow-queries", admin::slowQueries)
                .POST("/api/admin/nodes/{node}/breaker/reset", admin::resetBreaker)
                .POST("/api/admin/nodes/{node}/drain", admin::drain)
                .POST("/api/admin/nodes/{node}/undrain", admin::undrain)
                .POST("/api/admin/caches/clear", admin::clearCaches);
        if (properties.getAdmin().isDiagnosticsEnabled()) {
            DiagnosticsHandler diagnostics = new DiagnosticsHandler(flowgres);
            routes.GET("/api/admin/diagnostics/sleep", diagnostics::sleep)
                    .POST("/api/admin/diagnostics/transaction", diagnostics::transaction)
                    .GET("/api/admin/diagnostics/stream", diagnostics::stream);
        }
        // The first filter is the outermost: the problem mapper must also see the access filter's errors.
        return routes.filter(ProblemResponses.filter()).filter(access.filter()).build();
    }
}
