package io.flowgres.web.paging;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;
import org.springframework.util.Assert;

/**
 * Turns a keyset position into an opaque, signed cursor string and back.
 *
 * <p>A cursor names the sort it belongs to and carries the sort-key values of the last row of a
 * page; it is base64url text with an HMAC-SHA256 signature over a format version, so a tampered,
 * foreign (another sort, another secret) or stale-format cursor is rejected with a
 * {@link InvalidCursorException} (for the {@code cursor} parameter), never a server error or a wrong
 * page. Thread-safe.
 *
 * <p>Encoding is total: every value is written as its length and its UTF-16 code units, so any
 * Java string, including control characters, {@code U+0000}, separators of any kind and unpaired
 * surrogates, travels and comes back unchanged. A page boundary on a stored value can therefore
 * always be encoded. Decoding accepts cursors of at most {@value #MAX_CURSOR_LENGTH} characters,
 * which key values of up to a few hundred characters (a title, a timestamp, an id) stay well within.
 */
public final class CursorCodec {

    /** The parameter name errors report. */
    public static final String PARAMETER = "cursor";
    /** The cursor format version; a cursor of another version is rejected. */
    public static final String VERSION = "v2";
    /** The longest cursor {@link #decode} accepts, in characters. */
    public static final int MAX_CURSOR_LENGTH = 1024;

    private static final int MIN_SECRET_BYTES = 16;

    private final SecretKeySpec key;

    /**
     * Creates a codec.
     *
     * @param secret the signing secret, at least 16 bytes; every instance of a service must share it
     *        for cursors to work across instances and restarts
     * @throws IllegalArgumentException when the secret is too short
     */
    public CursorCodec(byte[] secret) {
        Assert.notNull(secret, "cursor secret must not be null");
        Assert.isTrue(secret.length >= MIN_SECRET_BYTES,
                () -> String.format("cursor secret must be at least %s bytes, was %s",
                MIN_SECRET_BYTES, secret.length));
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    /**
     * Encodes a position. Never fails on the content of the values: any string is carried exactly.
     *
     * @param sort the name of the sort the page was read with
     * @param keys the sort-key values of the last row, as text (tie-breaking id last)
     * @return the opaque cursor
     */
    public String encode(String sort, List<String> keys) {
        Assert.notNull(sort, "sort must not be null");
        Assert.notNull(keys, "keys must not be null");
        List<String> fields = new ArrayList<>(keys.size() + 2);
        fields.add(VERSION);
        fields.add(sort);
        fields.addAll(keys);
        byte[] body = write(fields);
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
     * @throws InvalidCursorException when the cursor is malformed, tampered, of another format version,
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
        // Only this codec's secret signs, so a body that is not in this format is one of an older version.
        List<String> fields = read(body);
        if (fields == null || fields.isEmpty() || !VERSION.equals(fields.get(0))) {
            throw invalid("has an unsupported format");
        }
        if (fields.size() < 2 || !expectedSort.equals(fields.get(1))) {
            throw invalid("belongs to another sort");
        }
        if (fields.size() != keyCount + 2) {
            throw invalid("is malformed");
        }
        return List.copyOf(fields.subList(2, fields.size()));
    }

    /** Each field as a 32-bit count of UTF-16 code units, then the code units, big-endian. */
    private static byte[] write(List<String> fields) {
        int size = 0;
        for (String field : fields) {
            size = Math.addExact(size, Math.addExact(Integer.BYTES, Math.multiplyExact(Character.BYTES,
                    field.length())));
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (String field : fields) {
            buffer.putInt(field.length());
            for (int i = 0; i < field.length(); i++) {
                buffer.putChar(field.charAt(i));
            }
        }
        return buffer.array();
    }

    /** The fields of a body written by {@link #write}, or {@code null} when it is not one. */
    private static @Nullable List<String> read(byte[] body) {
        ByteBuffer buffer = ByteBuffer.wrap(body);
        List<String> fields = new ArrayList<>();
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < Integer.BYTES) {
                return null;
            }
            int length = buffer.getInt();
            if (length < 0 || length > buffer.remaining() / Character.BYTES) {
                return null;
            }
            char[] chars = new char[length];
            for (int i = 0; i < length; i++) {
                chars[i] = buffer.getChar();
            }
            fields.add(new String(chars));
        }
        return fields;
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

    private static InvalidCursorException invalid(String why) {
        return new InvalidCursorException("cursor " + why);
    }
}
