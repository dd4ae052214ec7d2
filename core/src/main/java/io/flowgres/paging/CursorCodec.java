package io.flowgres.paging;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.flowgres.query.BadRequestException;
import io.flowgres.internal.Checks;

/**
 * Turns a keyset position into an opaque, signed cursor string and back.
 *
 * <p>A cursor names the sort it belongs to and carries the sort-key values of the last row of a
 * page; it is base64url text with an HMAC-SHA256 signature over a format version, so a tampered,
 * foreign (another sort, another secret) or stale-format cursor is rejected with a
 * {@link BadRequestException} naming the {@code cursor} parameter, never a server error or a wrong
 * page. Thread-safe.
 */
public final class CursorCodec {

    /** The parameter name errors report. */
    public static final String PARAMETER = "cursor";
    /** The cursor format version; a cursor of another version is rejected. */
    public static final String VERSION = "v1";

    private static final int MIN_SECRET_BYTES = 16;
    private static final int MAX_CURSOR_LENGTH = 1024;
    private static final char SEPARATOR = '\u001f';

    private final SecretKeySpec key;

    /**
     * Creates a codec.
     *
     * @param secret the signing secret, at least 16 bytes; every instance of a service must share it
     *        for cursors to work across instances and restarts
     * @throws IllegalArgumentException when the secret is too short
     */
    public CursorCodec(byte[] secret) {
        Checks.notNull(secret, "cursor secret");
        Checks.argument(secret.length >= MIN_SECRET_BYTES, "cursor secret must be at least %s bytes, was %s",
                MIN_SECRET_BYTES, secret.length);
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    /**
     * Encodes a position.
     *
     * @param sort the name of the sort the page was read with
     * @param keys the sort-key values of the last row, as text (tie-breaking id last)
     * @return the opaque cursor
     */
    public String encode(String sort, List<String> keys) {
        StringBuilder payload = new StringBuilder(VERSION).append(SEPARATOR).append(sort);
        for (String value : keys) {
            Checks.argument(value.indexOf(SEPARATOR) < 0, "cursor key must not contain a unit separator");
            payload.append(SEPARATOR).append(value);
        }
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return encoder.encodeToString(body) + "." + encoder.encodeToString(sign(body));
    }

    /**
     * Decodes a cursor made by {@link #encode} for the given sort.
     *
     * @param cursor the opaque cursor from the client
     * @param expectedSort the sort of the current request
     * @param keyCount how many key values the sort has
     * @return the key values
     * @throws BadRequestException when the cursor is malformed, tampered, of another format version,
     *         of another sort, or has the wrong number of keys
     */
    public List<String> decode(String cursor, String expectedSort, int keyCount) {
        if (cursor.isEmpty() || cursor.length() > MAX_CURSOR_LENGTH) {
            throw invalid("is empty or too long");
        }
        int dot = cursor.indexOf('.');
        if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
            throw invalid("is malformed");
        }
        byte[] body;
        byte[] signature;
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            body = decoder.decode(cursor.substring(0, dot));
            signature = decoder.decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("is malformed");
        }
        if (!MessageDigest.isEqual(sign(body), signature)) {
            throw invalid("has a bad signature");
        }
        List<String> parts = split(new String(body, StandardCharsets.UTF_8));
        if (!VERSION.equals(parts.get(0))) {
            throw invalid("has an unsupported format");
        }
        if (parts.size() < 2 || !expectedSort.equals(parts.get(1))) {
            throw invalid("belongs to another sort");
        }
        if (parts.size() != keyCount + 2) {
            throw invalid("is malformed");
        }
        return List.copyOf(parts.subList(2, parts.size()));
    }

    private static List<String> split(String payload) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length(); i++) {
            if (payload.charAt(i) == SEPARATOR) {
                parts.add(payload.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(payload.substring(start));
        return parts;
    }

    private byte[] sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static BadRequestException invalid(String why) {
        return BadRequestException.forParameter(PARAMETER, "cursor " + why);
    }
}
