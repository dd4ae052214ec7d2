package io.flowgres.web.routing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.flowgres.routing.ConsistencyToken;

/**
 * Signs consistency tokens for clients and checks the ones they send back. A token pins a read to
 * nodes that have replayed a write, so an unsigned one would let any caller push its reads onto the
 * primary with a made-up position ({@code 7FFFFFFF/FFFFFFFF}); a signed one can only name a
 * position this service (or another instance sharing the secret) handed out.
 *
 * <p>The text form is the WAL position, a dot, and the first 128 bits of an HMAC-SHA256 of the
 * position in base64url: {@code 0/16B3748.tQ0nS0ZrVb3cQ6lXbq2h4w}. Clients treat it as opaque; the
 * part before the dot still compares as a WAL position, so a client can keep the highest of several.
 * At most {@value #MAX_LENGTH} characters are read; anything longer, malformed or wrongly signed is
 * refused. The signing key is derived from the configured secret with a label of its own, so the
 * same secret can also sign cursors without a cursor ever passing for a token. Thread-safe.
 */
public final class ConsistencyTokenSigner {

    /** The longest token text accepted. */
    public static final int MAX_LENGTH = 64;

    private static final int MIN_SECRET_BYTES = 16;
    private static final int SIGNATURE_BYTES = 16;
    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] KEY_LABEL = "Flowgres-Consistency token key v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;

    /**
     * Creates a signer.
     *
     * @param secret the shared secret, at least 16 bytes; every instance of a service must share it for
     *        tokens to work across instances and restarts
     * @throws IllegalArgumentException when the secret is too short
     */
    public ConsistencyTokenSigner(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("consistency token secret must be at least " + MIN_SECRET_BYTES
                    + " bytes, was " + secret.length);
        }
        this.key = new SecretKeySpec(mac(new SecretKeySpec(secret.clone(), ALGORITHM), KEY_LABEL), ALGORITHM);
    }

    /**
     * The text a client receives for a token.
     *
     * @param token the commit's token
     * @return e.g. {@code 0/16B3748.tQ0nS0ZrVb3cQ6lXbq2h4w}
     */
    public String sign(ConsistencyToken token) {
        String position = token.toString();
        return position + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature(position));
    }

    /**
     * Reads a token a client sent back.
     *
     * @param text the token's text form, as {@link #sign} made it
     * @return the token
     * @throws IllegalArgumentException with a message fit for the client when the text is empty, too
     *         long, malformed or not signed with this secret
     */
    public ConsistencyToken verify(String text) {
        if (text.isEmpty() || text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("consistency token is empty or longer than " + MAX_LENGTH
                    + " characters");
        }
        int dot = text.indexOf('.');
        if (dot <= 0 || dot != text.lastIndexOf('.')) {
            throw malformed();
        }
        String position = text.substring(0, dot);
        byte[] signature;
        ConsistencyToken token;
        try {
            signature = Base64.getUrlDecoder().decode(text.substring(dot + 1));
            token = ConsistencyToken.parse(position);
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
        // The position must be written exactly as sign() writes it: one text per token, one signature.
        if (!position.equals(token.toString())) {
            throw malformed();
        }
        if (!MessageDigest.isEqual(signature(position), signature)) {
            throw new IllegalArgumentException("consistency token has a bad signature: send back the "
                    + ConsistencyHeader.NAME + " value of a write response unchanged");
        }
        return token;
    }

    private byte[] signature(String position) {
        return Arrays.copyOf(mac(key, position.getBytes(StandardCharsets.US_ASCII)), SIGNATURE_BYTES);
    }

    private static byte[] mac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        }
    }

    private static IllegalArgumentException malformed() {
        return new IllegalArgumentException("consistency token is malformed: expected a token such as "
                + "0/16B3748.tQ0nS0ZrVb3cQ6lXbq2h4w from a write response");
    }
}
