package io.flowgres.web.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

final class CursorCodecTest {

    private static final byte[] SECRET = "0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8);

    private final CursorCodec codec = new CursorCodec(SECRET);

    @Test
    void roundTripsTheKeys() {
        String cursor = codec.encode("newest", List.of("2026-01-01T00:00Z", "42"));

        assertThat(cursor).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(codec.decode(cursor, "newest", 2)).containsExactly("2026-01-01T00:00Z", "42");
    }

    @Test
    void encodesEveryStringExactlyWhateverItHolds() {
        List<String> awkward = List.of("", "\u0000", "a\u001fb", "\u001f\u001f", "\u007f\u0080\u009f", "tab\there",
                "line\nbreak\r", "\ud800", "x\udc00", "\udbff\ud800", "emoji \ud83c\udfac", ".", "a.b", "v1",
                "\ufffe\uffff", "title with \u2028 and \u00e9");
        for (String value : awkward) {
            String cursor = codec.encode("title", List.of(value, "7"));
            assertThat(codec.decode(cursor, "title", 2)).as("value %s", escaped(value)).containsExactly(value, "7");
        }
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 2000; i++) {
            char[] chars = new char[random.nextInt(60)];
            for (int c = 0; c < chars.length; c++) {
                chars[c] = (char) random.nextInt(Character.MAX_VALUE + 1);
            }
            String value = new String(chars);
            assertThat(codec.decode(codec.encode("title", List.of(value, "1")), "title", 2))
                    .as("value %s", escaped(value)).containsExactly(value, "1");
        }
    }

    @Test
    void theLongestTitleOfAPageBoundaryStaysWithinTheDecodeLimit() {
        String cursor = codec.encode("title", List.of("\ud83c\udfac".repeat(100), Long.toString(Long.MIN_VALUE)));

        assertThat(cursor.length()).isLessThan(CursorCodec.MAX_CURSOR_LENGTH);
        assertThat(codec.decode(cursor, "title", 2)).hasSize(2);
    }

    @Test
    void tamperedCursorIsABadRequestNamingTheCursor() {
        String cursor = codec.encode("newest", List.of("2026-01-01T00:00Z", "42"));
        byte[] body = Base64.getUrlDecoder().decode(cursor.substring(0, cursor.indexOf('.')));
        body[body.length - 1] = (byte) '1';
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(body) + cursor.substring(
                cursor.indexOf('.'));

        assertThatThrownBy(() -> codec.decode(forged, "newest", 2)).isInstanceOf(InvalidCursorException.class)
                .hasMessage("cursor has a bad signature");
    }

    @Test
    void cursorOfAnotherSecretIsRejected() {
        CursorCodec other = new CursorCodec("another-secret-of-16+".getBytes(StandardCharsets.UTF_8));
        String cursor = other.encode("newest", List.of("x", "1"));

        assertThatThrownBy(() -> codec.decode(cursor, "newest", 2)).hasMessage("cursor has a bad signature");
    }

    @Test
    void cursorOfAnotherSortIsRejected() {
        String cursor = codec.encode("title", List.of("x", "1"));

        assertThatThrownBy(() -> codec.decode(cursor, "newest", 2)).hasMessage("cursor belongs to another sort");
    }

    @Test
    void aSignedCursorOfTheFirstFormatIsAnUnsupportedFormat() throws GeneralSecurityException {
        byte[] v1 = "v1\u001fnewest\u001f2026-01-01T00:00Z\u001f42".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String cursor = encoder.encodeToString(v1) + "." + encoder.encodeToString(mac.doFinal(v1));

        assertThatThrownBy(() -> codec.decode(cursor, "newest", 2)).isInstanceOf(InvalidCursorException.class)
                .hasMessage("cursor has an unsupported format");
    }

    @Test
    void garbageIsMalformed() {
        assertThatThrownBy(() -> codec.decode("not-a-cursor", "newest", 2)).isInstanceOf(InvalidCursorException.class)
                .hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("a.b.c", "newest", 2)).hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("!!!.???", "newest", 2)).hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("\u0000.\u001f", "newest", 2)).hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("AAAA.AAAA", "newest", 2)).hasMessage("cursor has a bad signature");
        assertThatThrownBy(() -> codec.decode("", "newest", 2)).hasMessage("cursor is empty or too long");
        assertThatThrownBy(() -> codec.decode("a".repeat(2000) + ".b", "newest", 2))
                .hasMessage("cursor is empty or too long");
    }

    @Test
    void everyGarbledCursorIsABadRequestNeverAnotherError() {
        String cursor = codec.encode("newest", List.of("2026-01-01T00:00Z", "42"));
        SplittableRandom random = new SplittableRandom(7);
        List<String> garbled = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder mutated = new StringBuilder(cursor);
            int position = random.nextInt(mutated.length());
            switch (random.nextInt(3)) {
                case 0 -> mutated.setCharAt(position, (char) random.nextInt(128));
                case 1 -> mutated.deleteCharAt(position);
                default -> mutated.insert(position, (char) random.nextInt(0x3000));
            }
            garbled.add(mutated.toString());
        }
        for (String bad : garbled) {
            try {
                // Base64 ignores the spare bits of a last character, so a few mutations decode to the same bytes.
                assertThat(codec.decode(bad, "newest", 2)).as(escaped(bad))
                        .containsExactly("2026-01-01T00:00Z", "42");
            } catch (InvalidCursorException expected) {
                assertThat(expected).hasMessageStartingWith("cursor ");
            }
        }
    }

    @Test
    void wrongKeyCountIsMalformed() {
        String cursor = codec.encode("newest", List.of("only-one"));

        assertThatThrownBy(() -> codec.decode(cursor, "newest", 2)).hasMessage("cursor is malformed");
    }

    @Test
    void shortSecretIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new CursorCodec(new byte[8]))
                .withMessage("cursor secret must be at least 16 bytes, was 8");
    }

    private static String escaped(String value) {
        StringBuilder text = new StringBuilder();
        value.chars().forEach(c -> text.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : (char) c));
        return text.toString();
    }
}
