package io.flowgres.web.demo;

import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.routing.ConsistencyHeader;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * The pitch endpoints that change a pitch: {@code PATCH} and {@code DELETE /api/pitches/{id}}. Each
 * responds only after the write committed and its cache tags were invalidated, so a read sent after
 * the response never sees the old pitch, and each carries the commit's signed consistency token.
 */
public final class PitchEditHandler {

    private final PitchRepository pitches;
    private final ConsistencyHeader consistency;

    /**
     * Creates the handler.
     *
     * @param pitches the repository
     * @param consistency signs the consistency token each response carries
     */
    public PitchEditHandler(PitchRepository pitches, ConsistencyHeader consistency) {
        this.pitches = pitches;
        this.consistency = consistency;
    }

    /**
     * {@code PATCH /api/pitches/{id}}: changes the fields present in the JSON body; 200 with the pitch
     * and the signed {@value ConsistencyHeader#NAME} token of the commit, 404 when there is none.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> update(ServerRequest request) {
        return Mono.defer(() -> {
            long id = Params.positiveId("id", request.pathVariable("id"));
            return request.bodyToMono(PitchPatch.class)
                    .switchIfEmpty(Mono.error(() -> BadRequestException.forParameter("body", "a JSON body is required")))
                    .map(PitchPatch::validate)
                    .flatMap(columns -> pitches.updateCommitted(id, columns))
                    .flatMap(committed -> committed.results().isEmpty() ? Mono.error(notFound(id))
                            : consistency.on(ServerResponse.ok(), committed.token())
                                    .contentType(MediaType.APPLICATION_JSON).bodyValue(committed.results().get(0)));
        });
    }

    /**
     * {@code DELETE /api/pitches/{id}}: 204 with the signed {@value ConsistencyHeader#NAME} token of the
     * commit, or 404 when there is none.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> delete(ServerRequest request) {
        return Mono.defer(() -> {
            long id = Params.positiveId("id", request.pathVariable("id"));
            return pitches.deleteCommitted(id)
                    .flatMap(committed -> committed.results().isEmpty() ? Mono.error(notFound(id))
                            : consistency.on(ServerResponse.status(HttpStatus.NO_CONTENT), committed.token()).build());
        });
    }

    private static ResponseStatusException notFound(long id) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "pitch " + id + " does not exist");
    }
}
