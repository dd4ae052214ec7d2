package io.flowgres.reference.pitches;

import java.util.Map;
import java.util.Optional;

import io.flowgres.web.idempotency.IdempotencyKeys;
import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.routing.ConsistencyHeader;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The pitch endpoints that change a pitch: {@code PATCH} and {@code DELETE /api/pitches/{id}}. Each
 * responds only after the write committed and its cache tags were invalidated, so a read sent after
 * the response never sees the old pitch, and each carries the commit's signed consistency token.
 */
public final class PitchEditHandler {

    private final PitchStore pitches;
    private final ConsistencyHeader consistency;
    private final JsonMapper json;

    /**
     * Creates the handler.
     *
     * @param pitches the repository
     * @param consistency signs the consistency token each response carries
     * @param json the application's JSON mapper, for the responses stored beside idempotency keys
     */
    public PitchEditHandler(PitchStore pitches, ConsistencyHeader consistency, JsonMapper json) {
        this.pitches = pitches;
        this.consistency = consistency;
        this.json = json;
    }

    /**
     * {@code PATCH /api/pitches/{id}}: changes the fields present in the JSON body; 200 with the pitch
     * and the signed {@value ConsistencyHeader#NAME} token of the commit, 404 when there is none. With
     * an {@value IdempotencyKeys#HEADER} header the change is made at most once per key: a repeat gets
     * the first answer (200 with the pitch as it was then, or 404) and
     * {@value IdempotencyKeys#REPLAYED_HEADER}{@code : true}; a key reused with another change is 422.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> update(ServerRequest request) {
        return Mono.defer(() -> {
            long id = Params.positiveId("id", request.pathVariable("id"));
            Optional<String> key = IdempotencyKeys.of(request);
            Mono<Map<String, String>> input = request.bodyToMono(PitchPatch.class)
                    .switchIfEmpty(Mono.error(() -> BadRequestException.forParameter("body", "a JSON body is required")))
                    .map(PitchPatch::validate);
            if (key.isPresent()) {
                return input.flatMap(columns -> pitches.updateOnce(key.get(),
                                IdempotencyKeys.fingerprint("PATCH /api/pitches/" + id, columns.toString()), id, columns,
                                json::writeValueAsString))
                        .flatMap(once -> {
                            Pitch[] changed = json.readValue(once.response(), Pitch[].class);
                            return changed.length == 0 ? Mono.error(notFound(id))
                                    : consistency.on(ServerResponse.ok(), once.token())
                                            .header(IdempotencyKeys.REPLAYED_HEADER, Boolean.toString(once.replayed()))
                                            .contentType(MediaType.APPLICATION_JSON).bodyValue(changed[0]);
                        });
            }
            return input
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
