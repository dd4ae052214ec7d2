package io.flowgres.web.routing;

import java.util.List;

import io.flowgres.query.BadRequestException;
import io.flowgres.routing.ConsistencyToken;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Read-your-writes over HTTP. A write answers with a {@value #NAME} header holding the consistency
 * token of its commit (e.g. {@code Flowgres-Consistency: 0/16B3748}); a client that sends that header
 * back on a read is served only by a replica that has replayed the write, else by the primary, so a
 * user who just created something always sees it. Clients keep the highest token they were given
 * (tokens compare as WAL positions) and may drop it once stale reads no longer matter.
 */
public final class ConsistencyHeader {

    /** The header's name, on write responses and read requests alike. */
    public static final String NAME = "Flowgres-Consistency";

    private ConsistencyHeader() {
    }

    /**
     * Reads the token a client sent, if any.
     *
     * @param request the request
     * @return the token, or {@code null} when the header is absent or empty
     * @throws BadRequestException naming the header when it is not a token
     */
    public static @Nullable ConsistencyToken from(ServerRequest request) {
        List<String> values = request.headers().header(NAME);
        if (values.isEmpty() || values.get(0).isBlank()) {
            return null;
        }
        try {
            return ConsistencyToken.parse(values.get(0).trim());
        } catch (IllegalArgumentException e) {
            throw BadRequestException.forParameter(NAME, e.getMessage());
        }
    }

    /**
     * Adds the token of a write to its response.
     *
     * @param response the response being built
     * @param token the commit's token
     * @return the builder
     */
    public static ServerResponse.BodyBuilder on(ServerResponse.BodyBuilder response, ConsistencyToken token) {
        return response.header(NAME, token.toString());
    }
}
