package io.flowgres.web.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import io.flowgres.web.problem.BadRequestException;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The {@value #HEADER} request header of the IETF httpapi idempotency-key draft, for handlers that
 * pass it to {@code Flowgres.writeOnce}: a client that sends the same key again (after a timeout, a
 * lost connection or a 5xx) gets the first response instead of a second write. A repeat whose
 * request differs is refused; {@link #fingerprint} says what "the same request" means.
 */
public final class IdempotencyKeys {

    /** The request header that carries the key. */
    public static final String HEADER = "Idempotency-Key";
    /** The response header set on a replayed response, as several public APIs do. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /**
     * The request's key, if it sent one.
     *
     * @param request the request
     * @return the key: 1 to 255 visible ASCII characters
     * @throws BadRequestException for an empty, too long or non-ASCII key, or more than one
     */
    public static Optional<String> of(ServerRequest request) {
        List<String> values = request.headers().header(HEADER);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw BadRequestException.forParameter(HEADER, HEADER + " must be sent once");
        }
        String key = values.get(0).strip();
        // Structured-field strings in the draft are quoted; a bare token is accepted too.
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw BadRequestException.forParameter(HEADER,
                    HEADER + " must be 1 to " + MAX_LENGTH + " visible ASCII characters");
        }
        return Optional.of(key);
    }

    /**
     * What identifies a request for its key: a SHA-256 of the route and the request's validated,
     * canonical input, so that two bodies meaning the same thing (other spacing, other member order)
     * are the same request.
     *
     * @param route the method and route, e.g. {@code POST /api/pitches}
     * @param canonicalInput the validated input's canonical text, e.g. a record's {@code toString()}
     * @return the fingerprint, hex
     */
    public static String fingerprint(String route, String canonicalInput) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(route.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            return HexFormat.of().formatHex(digest.digest(canonicalInput.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
