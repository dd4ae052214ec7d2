package io.flowgres.reference.pitches;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.web.problem.ProblemResponses;
import io.flowgres.web.routing.ConsistencyHeader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/users/{id}}: a user with their pitches, in one round trip through a Spring Data
 * repository, cached; after the write
 * of a {@value ConsistencyHeader#NAME} token when one is sent.
 */
@Configuration(proxyBeanMethods = false)
public class UserConfiguration {

    /** Creates the configuration. */
    public UserConfiguration() {
    }

    /**
     * The user data access.
     *
     * @param flowgres the facade
     * @param spring the Spring Data R2DBC pieces
     * @param cache the query cache
     * @return the store
     */
    @Bean
    public UserStore userStore(Flowgres flowgres, SpringData spring, QueryCache cache) {
        return new UserStore(flowgres, spring, cache);
    }

    /**
     * The user routes.
     *
     * @param users the repository
     * @param consistency reads the consistency token a request carries
     * @return the routes, wrapped by the problem mapper
     */
    @Bean
    public RouterFunction<ServerResponse> userRoutes(UserStore users, ConsistencyHeader consistency) {
        return RouterFunctions.route()
                .GET("/api/users/{id}", request -> Mono.defer(() -> {
                    long id = Params.positiveId("id", request.pathVariable("id"));
                    return users.findWithPitches(id, consistency.from(request))
                            .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                                    "user " + id + " does not exist")))
                            .flatMap(user -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(user));
                }))
                .filter(ProblemResponses.filter())
                .build();
    }
}
