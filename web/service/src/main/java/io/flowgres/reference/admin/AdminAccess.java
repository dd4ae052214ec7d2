package io.flowgres.reference.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * Who may see node details and run admin operations: a caller presenting the configured token in
 * the {@value #HEADER} header. With no token configured nobody may, and admin routes answer 404 as
 * if they did not exist. Tokens are compared in constant time.
 */
public final class AdminAccess {

    /** The header an authorised caller sends. */
    public static final String HEADER = "X-Flowgres-Admin-Token";

    private final byte @Nullable [] token;

    /**
     * Creates the access rule.
     *
     * @param token the configured token, or {@code null}/blank for none
     */
    public AdminAccess(@Nullable String token) {
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether admin access is configured at all. */
    public boolean enabled() {
        return token != null;
    }

    /**
     * Whether the request carries the right token.
     *
     * @param request the request
     * @return {@code true} only when a token is configured and presented
     */
    public boolean isAuthorised(ServerRequest request) {
        String presented = request.headers().firstHeader(HEADER);
        return token != null && presented != null
                && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A filter for admin routes: 404 when admin access is not configured, 401 without the right
     * token, otherwise the route.
     *
     * @return the filter
     */
    public HandlerFilterFunction<ServerResponse, ServerResponse> filter() {
        return (request, next) -> {
            if (!enabled()) {
                return Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND, "No such resource."));
            }
            if (!isAuthorised(request)) {
                return Mono.error(new ResponseStatusException(HttpStatus.UNAUTHORIZED,
                        "Admin operations need the " + HEADER + " header."));
            }
            return next.handle(request);
        };
    }
}
