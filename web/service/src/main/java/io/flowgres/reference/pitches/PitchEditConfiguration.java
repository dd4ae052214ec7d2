package io.flowgres.reference.pitches;

import io.flowgres.web.problem.ProblemResponses;
import io.flowgres.web.routing.ConsistencyHeader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The routes that change or remove a pitch, wrapped by the problem mapper. */
@Configuration(proxyBeanMethods = false)
public class PitchEditConfiguration {

    /** Creates the configuration. */
    public PitchEditConfiguration() {
    }

    /**
     * {@code PATCH /api/pitches/{id}} and {@code DELETE /api/pitches/{id}}.
     *
     * @param pitches the repository
     * @param consistency signs the consistency tokens of the responses
     * @param json the application's JSON mapper
     * @return the routes
     */
    @Bean
    public RouterFunction<ServerResponse> pitchEditRoutes(PitchStore pitches, ConsistencyHeader consistency,
            JsonMapper json) {
        PitchEditHandler handler = new PitchEditHandler(pitches, consistency, json);
        return RouterFunctions.route()
                .PATCH("/api/pitches/{id}", handler::update)
                .DELETE("/api/pitches/{id}", handler::delete)
                .filter(ProblemResponses.filter())
                .build();
    }
}
