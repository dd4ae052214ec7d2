package io.flowgres.web.demo;

import io.flowgres.query.BadRequestException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * The pitch endpoints that change a pitch: {@code PATCH} and {@code DELETE /api/pitches/{id}}. Each
 * responds only after the write committed and its cache tags were invalidated, so a read sent after
 * the response never sees the old pitch.
 */
public final class PitchEditHandler {

    private final PitchRepository pitches;

    /**
     * Creates the handler.
     *
     * @param pitches the repository
     */
    public PitchEditHandler(PitchRepository pitches) {
        this.pitches = pitches;
    }

    /**
     * {@code PATCH /api/pitches/{id}}: changes the fields present in the JSON body; 200 with the pitch,
     * 404 when there is none.
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
                    .flatMap(columns -> pitches.update(id, columns))
                    .switchIfEmpty(Mono.error(() -> notFound(id)))
                    .flatMap(pitch -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(pitch));
        });
    }

    /**
     * {@code DELETE /api/pitches/{id}}: 204, or 404 when there is none.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> delete(ServerRequest request) {
        return Mono.defer(() -> {
            long id = Params.positiveId("id", request.pathVariable("id"));
            return pitches.delete(id)
                    .switchIfEmpty(Mono.error(() -> notFound(id)))
                    .flatMap(pitch -> ServerResponse.noContent().build());
        });
    }

    private static ResponseStatusException notFound(long id) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "pitch " + id + " does not exist");
    }
}
