package io.flowgres.reference.pitches;

import java.net.URI;
import java.util.Optional;

import io.flowgres.query.ConflictException;
import io.flowgres.web.idempotency.IdempotencyKeys;
import io.flowgres.web.paging.ExportLimiter;
import io.flowgres.web.paging.Sort;
import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.problem.ProblemStreams;
import io.flowgres.web.routing.ConsistencyHeader;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** The pitch endpoints of the reference service. */
public final class PitchHandler {

    /** Default page size of the browse endpoint. */
    public static final int DEFAULT_LIMIT = 24;
    /** Largest page size of the browse endpoint. */
    public static final int MAX_LIMIT = 200;

    private final PitchStore pitches;
    private final ConsistencyHeader consistency;
    private final ExportLimiter exports;
    private final JsonMapper json;

    /**
     * Creates the handler.
     *
     * @param pitches the repository
     * @param consistency reads the tokens reads carry and signs the tokens writes return
     * @param exports bounds the exports that run at once
     * @param json encodes the pitch a keyed create stores as its response, and decodes it on replay
     */
    public PitchHandler(PitchStore pitches, ConsistencyHeader consistency, ExportLimiter exports,
            JsonMapper json) {
        this.pitches = pitches;
        this.consistency = consistency;
        this.exports = exports;
        this.json = json;
    }

    /**
     * {@code GET /api/pitches/{id}}: one pitch, or 404; after the write of a
     * {@value ConsistencyHeader#NAME} token when one is sent.
     *
     * @param request the request
     * @return the response
     */
    public Mono<ServerResponse> byId(ServerRequest request) {
        return Mono.defer(() -> {
            long id = Params.positiveId("id", request.pathVariable("id"));
            return pitches.findJsonById(id, consistency.from(request))
                    .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                            "pitch " + id + " does not exist")))
                    // Already JSON (cached encoded): written as it is, not encoded again.
                    .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body));
        });
    }

    /**
     * {@code GET /api/pitches?genre=&status=&limit=&cursor=}: one keyset page, newest first; after the
     * write of a {@value ConsistencyHeader#NAME} token when one is sent.
     *
     * @param request the request
     * @return the page as {@code {items, nextCursor}}
     */
    public Mono<ServerResponse> browse(ServerRequest request) {
        return Mono.defer(() -> {
            PitchFilter filter = filter(request);
            Sort sort = PitchSorts.named(Params.query(request, "sort").orElse(null));
            int limit = Params.intInRange(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            String cursor = Params.query(request, "cursor").filter(value -> !value.isEmpty()).orElse(null);
            return pitches.browse(filter, sort, limit, cursor, consistency.from(request))
                    .flatMap(page -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page));
        });
    }

    /**
     * {@code GET /api/pitches/export}: every match, streamed as NDJSON ({@code application/x-ndjson},
     * the default) or, with {@code Accept: text/event-stream}, as server-sent events; in constant
     * memory, the database read only as fast as the client takes rows; after the write of a
     * {@value ConsistencyHeader#NAME} token when one is sent. At most {@code reference.export-limit}
     * exports run at once: one more is a 503 with {@code Retry-After} at once. A failure before the
     * first row is a problem response like any other; one after it ends the stream with an error line
     * or event ({@link ProblemStreams}).
     *
     * @param request the request, with the browse filters and sort
     * @return the stream
     */
    public Mono<ServerResponse> export(ServerRequest request) {
        return Mono.defer(() -> {
            PitchFilter filter = filter(request);
            Sort sort = PitchSorts.named(Params.query(request, "sort").orElse(null));
            Flux<Pitch> rows = exports.limit(pitches.export(filter, sort, consistency.from(request)));
            boolean events = request.headers().accept().stream()
                    .anyMatch(type -> type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                            && !type.isWildcardType());
            return events
                    ? ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(ProblemStreams.events(rows))
                    : ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON).body(ProblemStreams.ndjson(rows));
        });
    }

    private static PitchFilter filter(ServerRequest request) {
        String text = Params.query(request, "q").filter(value -> !value.isBlank()).orElse(null);
        if (text != null && text.length() > PitchFilter.MAX_TEXT) {
            throw BadRequestException.forParameter("q", "q must be at most " + PitchFilter.MAX_TEXT
                    + " characters, was " + text.length());
        }
        return new PitchFilter(
                Params.optionalEnum(request, "status", PitchStatus.class),
                Params.optionalEnum(request, "genre", Genre.class),
                Params.optionalEnum(request, "format", Format.class),
                Params.optionalEnum(request, "stage", ProductionStage.class),
                Params.query(request, "owner").filter(value -> !value.isEmpty())
                        .map(value -> Params.positiveId("owner", value)).orElse(null),
                Params.optionalInstant(request, "createdAfter"),
                Params.optionalInstant(request, "createdBefore"),
                text == null ? null : text.trim());
    }

    /**
     * {@code POST /api/pitches}: creates a pitch; 201 with its location and the signed
     * {@value ConsistencyHeader#NAME} token of the commit. With an {@value IdempotencyKeys#HEADER}
     * header it creates at most one pitch per key: a repeat gets the first response (and
     * {@value IdempotencyKeys#REPLAYED_HEADER}{@code : true}), a concurrent repeat waits for the first,
     * and a key reused with another body is 422.
     *
     * @param request the request with a JSON body
     * @return the created pitch
     */
    public Mono<ServerResponse> create(ServerRequest request) {
        return Mono.defer(() -> create(request, IdempotencyKeys.of(request)));
    }

    private Mono<ServerResponse> create(ServerRequest request, Optional<String> key) {
        Mono<PitchDraft> input = request.bodyToMono(PitchRequest.class)
                .switchIfEmpty(Mono.error(() -> BadRequestException.forParameter("body", "a JSON body is required")))
                .map(PitchRequest::validate);
        if (key.isPresent()) {
            return input.flatMap(draft -> pitches.createOnce(key.get(),
                            IdempotencyKeys.fingerprint("POST /api/pitches", draft.toString()), draft, json::writeValueAsString)
                    .onErrorMap(ConflictException.class, error -> unknownOwner(error, draft)))
                    .flatMap(once -> {
                        Pitch pitch = json.readValue(once.response(), Pitch.class);
                        return consistency.on(ServerResponse.created(URI.create("/api/pitches/" + pitch.id())),
                                        once.token())
                                .header(IdempotencyKeys.REPLAYED_HEADER, Boolean.toString(once.replayed()))
                                .contentType(MediaType.APPLICATION_JSON).bodyValue(once.response());
                    });
        }
        return input
                .flatMap(draft -> pitches.createCommitted(draft)
                        .onErrorMap(ConflictException.class, error -> unknownOwner(error, draft)))
                .flatMap(committed -> {
                    Pitch pitch = committed.results().get(0);
                    return consistency.on(ServerResponse.created(URI.create("/api/pitches/" + pitch.id())),
                                    committed.token())
                            .contentType(MediaType.APPLICATION_JSON).bodyValue(pitch);
                });
    }

    private static Throwable unknownOwner(ConflictException error, PitchDraft draft) {
        return PitchStore.FOREIGN_KEY_VIOLATION.equals(error.sqlState())
                ? BadRequestException.forParameter("ownerId", "ownerId " + draft.ownerId() + " does not exist")
                : error;
    }
}
