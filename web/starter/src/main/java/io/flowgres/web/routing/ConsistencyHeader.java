package io.flowgres.web.routing;

import java.util.List;
import java.util.Objects;

import io.flowgres.routing.ConsistencyToken;
import io.flowgres.web.problem.BadRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Read-your-writes over HTTP. A write answers with a {@value #NAME} header holding the signed
 * consistency token of its commit (e.g. {@code Flowgres-Consistency: 0/16B3748.tQ0nS0ZrVb3cQ6lXbq2h4w},
 * see {@link ConsistencyTokenSigner}); a client that sends that header back on a read is served only
 * by a replica that has replayed the write, else by the primary, so a user who just created
 * something always sees it. A header that is not a token this service signed is a 400 naming the
 * header, never a silent fallback. Clients keep the highest token they were given (the part before
 * the dot compares as a WAL position) and may drop it once stale reads no longer matter.
 */
public final class ConsistencyHeader {

    /** The header's name, on write responses and read requests alike. */
    public static final String NAME = "Flowgres-Consistency";

    private final ConsistencyTokenSigner signer;

    /**
     * Creates the header codec.
     *
     * @param signer signs the tokens of writes and checks the tokens of reads
     */
    public ConsistencyHeader(ConsistencyTokenSigner signer) {
        this.signer = signer;
    }

    /**
     * Reads the token a client sent, if any.
     *
     * @param request the request
     * @return the token, or {@code null} when the header is absent or empty
     * @throws BadRequestException naming the header when it is sent more than once, or is not a token
     *         this service signed
     */
    public @Nullable ConsistencyToken from(ServerRequest request) {
        return from(request.headers().asHttpHeaders());
    }

    /**
     * Reads the token a client sent, if any, from a request's headers (for a {@code WebFilter}).
     *
     * @param headers the request's headers
     * @return the token, or {@code null} when the header is absent or empty
     * @throws BadRequestException naming the header when it is sent more than once, or is not a token
     *         this service signed
     */
    public @Nullable ConsistencyToken from(HttpHeaders headers) {
        List<String> values = Objects.requireNonNullElse(headers.get(NAME), List.of());
        if (values.isEmpty() || (values.size() == 1 && values.get(0).isBlank())) {
            return null;
        }
        if (values.size() > 1) {
            throw BadRequestException.forParameter(NAME, NAME + " must be sent at most once, was sent "
                    + values.size() + " times");
        }
        try {
            return signer.verify(values.get(0).trim());
        } catch (IllegalArgumentException e) {
            throw BadRequestException.forParameter(NAME, e.getMessage());
        }
    }

    /**
     * Adds the signed token of a write to its response.
     *
     * @param response the response being built
     * @param token the commit's token
     * @return the builder
     */
    public ServerResponse.BodyBuilder on(ServerResponse.BodyBuilder response, ConsistencyToken token) {
        return response.header(NAME, sign(token));
    }

    /**
     * The header's value for a write's token.
     *
     * @param token the commit's token
     * @return the signed token
     */
    public String sign(ConsistencyToken token) {
        return signer.sign(token);
    }
}
