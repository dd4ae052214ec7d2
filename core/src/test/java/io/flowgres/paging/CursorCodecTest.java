package io.flowgres.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import io.flowgres.query.BadRequestException;
import org.junit.jupiter.api.Test;

final class CursorCodecTest {

    private final CursorCodec codec = new CursorCodec("0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8));

    @Test
    void roundTripsTheKeys() {
        String cursor = codec.encode("newest", List.of("2026-01-01T00:00Z", "42"));

        assertThat(cursor).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(codec.decode(cursor, "newest", 2)).containsExactly("2026-01-01T00:00Z", "42");
    }

    @Test
    void tamperedCursorIsABadRequestNamingTheCursor() {
        String cursor = codec.encode("newest", List.of("2026-01-01T00:00Z", "42"));
        String body = new String(Base64.getUrlDecoder().decode(cursor.substring(0, cursor.indexOf('.'))),
                StandardCharsets.UTF_8);
        String forged = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(body.replace("42", "41").getBytes(StandardCharsets.UTF_8))
                + cursor.substring(cursor.indexOf('.'));

        assertThatThrownBy(() -> codec.decode(forged, "newest", 2)).isInstanceOf(BadRequestException.class)
                .hasMessage("cursor has a bad signature")
                .extracting(error -> ((BadRequestException) error).parameter()).isEqualTo("cursor");
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
    void garbageIsMalformed() {
        assertThatThrownBy(() -> codec.decode("not-a-cursor", "newest", 2)).isInstanceOf(BadRequestException.class)
                .hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("a.b.c", "newest", 2)).hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("!!!.???", "newest", 2)).hasMessage("cursor is malformed");
        assertThatThrownBy(() -> codec.decode("", "newest", 2)).hasMessage("cursor is empty or too long");
        assertThatThrownBy(() -> codec.decode("a".repeat(2000) + ".b", "newest", 2))
                .hasMessage("cursor is empty or too long");
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
}
