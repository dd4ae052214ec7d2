package io.flowgres.reference.pitches;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.flowgres.web.idempotency.IdempotencyKeys;
import io.flowgres.web.problem.BadRequestException;
import io.flowgres.query.ConflictException;
import io.flowgres.web.routing.ConsistencyHeader;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/pitches/batch}: creates many pitches at once, all or none, from a JSON array of the
 * objects {@code POST /api/pitches} takes. Every item is checked with the single create's rules and a
 * bad one is named by its index ({@code items[3].genre}); an empty array, or one longer than the
 * limit, is a 400 naming {@code items}; an owner that does not exist is a 400 naming
 * {@code items[i].ownerId}, and nothing is stored. A body larger than any batch within the limit
 * can be is a 413, refused before it is parsed. Success is a 201 with the created pitches in input
 * order and the {@value ConsistencyHeader#NAME} header of the commit, as for a single create. With an
 * {@value IdempotencyKeys#HEADER} header a batch is created at most once per key, as a single create is.
 */
public final class PitchBatchHandler {

    /** The default largest number of pitches in one batch ({@code reference.batch-limit}). */
    public static final int DEFAULT_BATCH_LIMIT = 500;
    /**
     * The largest batch limit accepted: a batch is buffered whole and inserted by one statement that
     * holds one primary connection, so bulk loads beyond this belong to {@code COPY}, not to an API call.
     */
    public static final int MAX_BATCH_LIMIT = 5_000;
    /**
     * The bytes one valid item can take in JSON: title and logline (1,200 characters) at six bytes
     * each when every character is sent as a JSON unicode escape, plus field names, enum values and
     * punctuation. Bodies
     * are buffered up to {@code batchLimit} times this, so every batch within the limit fits.
     */
    static final int MAX_ITEM_BYTES = 8 * 1024;

    private static final ResolvableType ITEMS = ResolvableType.forClassWithGenerics(List.class, PitchRequest.class);

    private final PitchStore pitches;
    private final ConsistencyHeader consistency;
    private final int batchLimit;
    private final JacksonJsonDecoder decoder;
    private final JsonMapper json;

    /**
     * Creates the handler.
     *
     * @param pitches the repository
     * @param consistency signs the consistency token of the response
     * @param json the application's JSON mapper, so items are read as {@code POST /api/pitches} reads them
     * @param batchLimit the largest number of pitches in one batch, 1 to {@value #MAX_BATCH_LIMIT}
     * @throws IllegalArgumentException when {@code batchLimit} is out of range
     */
    public PitchBatchHandler(PitchStore pitches, ConsistencyHeader consistency, JsonMapper json,
            int batchLimit) {
        if (batchLimit < 1 || batchLimit > MAX_BATCH_LIMIT) {
            throw new IllegalArgumentException("batchLimit must be between 1 and " + MAX_BATCH_LIMIT + ", was "
                    + batchLimit);
        }
        this.pitches = pitches;
        this.consistency = consistency;
        this.batchLimit = batchLimit;
        this.json = json;
        // A decoder of its own: the shared codecs buffer at most 256 KiB, which a full batch of long
        // loglines exceeds; this one is sized for the limit, so the limit is what decides.
        this.decoder = new JacksonJsonDecoder(json);
        this.decoder.setMaxInMemorySize(maxBodyBytes());
    }

    /** The largest request body accepted, in bytes. */
    int maxBodyBytes() {
        return batchLimit * MAX_ITEM_BYTES;
    }

    /**
     * {@code POST /api/pitches/batch}: creates every pitch of the JSON array body with one statement,
     * or none of them.
     *
     * @param request the request with a JSON array body
     * @return 201 with the created pitches in input order, or a problem
     */
    public Mono<ServerResponse> create(ServerRequest request) {
        return Mono.defer(() -> create(request, IdempotencyKeys.of(request)));
    }

    private Mono<ServerResponse> create(ServerRequest request, Optional<String> key) {
        Mono<List<PitchDraft>> input = read(request)
                .switchIfEmpty(Mono.error(() -> BadRequestException.forParameter("body",
                        "a JSON array of pitches is required")))
                .map(this::validate);
        if (key.isPresent()) {
            return input.flatMap(drafts -> pitches.createAllOnce(key.get(),
                                    IdempotencyKeys.fingerprint("POST /api/pitches/batch", drafts.toString()), drafts,
                                    json::writeValueAsString)
                            .onErrorResume(ConflictException.class, error -> unknownOwner(error, drafts)))
                    .flatMap(once -> consistency.on(ServerResponse.status(HttpStatus.CREATED), once.token())
                            .header(IdempotencyKeys.REPLAYED_HEADER, Boolean.toString(once.replayed()))
                            .contentType(MediaType.APPLICATION_JSON).bodyValue(once.response()));
        }
        return input
                .flatMap(drafts -> pitches.createAllCommitted(drafts)
                        .onErrorResume(ConflictException.class, error -> unknownOwner(error, drafts)))
                .flatMap(committed -> consistency.on(ServerResponse.status(HttpStatus.CREATED), committed.token())
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(committed.results()));
    }

    /** A foreign key violation names the unknown owners; any other conflict stays what it is. */
    private <T> Mono<T> unknownOwner(ConflictException error, List<PitchDraft> drafts) {
        return PitchStore.FOREIGN_KEY_VIOLATION.equals(error.sqlState())
                ? unknownOwner(drafts).flatMap(Mono::<T>error)
                : Mono.error(error);
    }

    // The decoder is untyped; it was asked for exactly ITEMS, whose elements may be JSON nulls.
    @SuppressWarnings("unchecked")
    private Mono<List<@Nullable PitchRequest>> read(ServerRequest request) {
        return Mono.defer(() -> {
            // Like bodyToMono: a body without a Content-Type is octet-stream, which is not JSON.
            MediaType type = request.headers().contentType().orElse(MediaType.APPLICATION_OCTET_STREAM);
            if (!decoder.canDecode(ITEMS, type)) {
                return Mono.error(new ResponseStatusException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type must be application/json, was '" + BadRequestException.echo(type.toString()) + "'"));
            }
            return decoder.decodeToMono(request.body(BodyExtractors.toDataBuffers()), ITEMS, type, Map.of())
                    .map(items -> (List<@Nullable PitchRequest>) items)
                    .onErrorMap(DataBufferLimitException.class, error -> new ResponseStatusException(
                            HttpStatus.CONTENT_TOO_LARGE, "the body must be at most " + maxBodyBytes()
                                    + " bytes; a batch holds at most " + batchLimit + " pitches"));
        });
    }

    private List<PitchDraft> validate(List<@Nullable PitchRequest> items) {
        if (items.isEmpty()) {
            throw BadRequestException.forParameter("items", "items must hold at least one pitch");
        }
        if (items.size() > batchLimit) {
            throw BadRequestException.forParameter("items", "items must hold at most " + batchLimit
                    + " pitches, was " + items.size());
        }
        List<PitchDraft> drafts = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String name = "items[" + i + "]";
            PitchRequest item = items.get(i);
            if (item == null) {
                throw BadRequestException.forParameter(name, name + " must be a pitch, was null");
            }
            drafts.add(item.validate(name + "."));
        }
        return drafts;
    }

    // The statement failed as a whole on the foreign key, which does not say which row; one read on the
    // primary, on this error path only, finds the first item whose owner is missing.
    private Mono<BadRequestException> unknownOwner(List<PitchDraft> drafts) {
        Set<Long> owners = new LinkedHashSet<>();
        for (PitchDraft draft : drafts) {
            owners.add(draft.ownerId());
        }
        return pitches.existingOwners(owners)
                .map(existing -> {
                    for (int i = 0; i < drafts.size(); i++) {
                        long owner = drafts.get(i).ownerId();
                        if (!existing.contains(owner)) {
                            String name = "items[" + i + "].ownerId";
                            return BadRequestException.forParameter(name, name + " " + owner
                                    + " does not exist; no pitch was created");
                        }
                    }
                    return someOwnerUnknown();
                })
                // Without the lookup (it failed, or the owner appeared since) the batch still failed on an
                // unknown owner, so the answer stays a 400, only less precise.
                .onErrorResume(error -> Mono.just(someOwnerUnknown()));
    }

    private static BadRequestException someOwnerUnknown() {
        return BadRequestException.forParameter("items", "an ownerId of items does not exist; no pitch was created");
    }
}
