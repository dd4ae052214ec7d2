package io.flowgres.reference.pitches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowgres.web.problem.BadRequestException;
import org.junit.jupiter.api.Test;

final class ParamsTest {

    @Test
    void everyControlCharacterIsRefusedNamingTheFieldAndTheCodePoint() {
        for (char c = 0; c <= 0x9f; c++) {
            boolean control = c <= 0x1f || c >= 0x7f;
            String value = "Night" + c + "Shift";
            if (control) {
                String expected = String.format("title must not contain control characters (U+0000-U+001F, "
                        + "U+007F-U+009F), found U+%04X at index 5", (int) c);
                assertThatThrownBy(() -> Params.printable("title", value)).isInstanceOf(BadRequestException.class)
                        .hasMessage(expected)
                        .extracting(error -> ((BadRequestException) error).parameter()).isEqualTo("title");
            } else {
                assertThat(Params.printable("title", value)).isEqualTo(value);
            }
        }
    }

    @Test
    void tabAndNewlineAreControlCharactersToo() {
        assertThatThrownBy(() -> Params.text("logline", "one\ttwo", 1000))
                .hasMessage("logline must not contain control characters (U+0000-U+001F, U+007F-U+009F), "
                        + "found U+0009 at index 3");
        assertThatThrownBy(() -> Params.text("items[3].logline", "line\n", 1000))
                .hasMessage("items[3].logline must not contain control characters (U+0000-U+001F, U+007F-U+009F), "
                        + "found U+000A at index 4")
                .extracting(error -> ((BadRequestException) error).parameter()).isEqualTo("items[3].logline");
    }

    @Test
    void aControlCharacterThatJavaCountsAsWhitespaceIsNotReportedAsMissing() {
        assertThatThrownBy(() -> Params.text("title", "\u001f", 200))
                .hasMessage("title must not contain control characters (U+0000-U+001F, U+007F-U+009F), "
                        + "found U+001F at index 0");
        assertThatThrownBy(() -> Params.text("title", "   ", 200)).hasMessage("title is required");
    }

    @Test
    void unpairedSurrogatesAreRefusedAndPairsAccepted() {
        assertThat(Params.printable("title", "Cut \ud83c\udfac here")).isEqualTo("Cut \ud83c\udfac here");
        assertThat(Params.printable("title", "caf\u00e9 \u2028 \ufffd")).isEqualTo("caf\u00e9 \u2028 \ufffd");
        assertThatThrownBy(() -> Params.printable("title", "a\ud800"))
                .hasMessage("title must be valid Unicode text, found the unpaired surrogate U+D800 at index 1");
        assertThatThrownBy(() -> Params.printable("q", "\udc00b"))
                .hasMessage("q must be valid Unicode text, found the unpaired surrogate U+DC00 at index 0");
        assertThatThrownBy(() -> Params.printable("q", "\ud800\ud800\udc00"))
                .hasMessage("q must be valid Unicode text, found the unpaired surrogate U+D800 at index 0");
    }

    @Test
    void enumsAreCheckedForControlCharactersBeforeTheirValue() {
        assertThatThrownBy(() -> Params.parseEnum("genre", "drama\u0000", Genre.class))
                .hasMessage("genre must not contain control characters (U+0000-U+001F, U+007F-U+009F), "
                        + "found U+0000 at index 5");
        assertThat(Params.parseEnum("genre", " Drama ", Genre.class)).isEqualTo(Genre.DRAMA);
    }

    @Test
    void echoedInputIsShortAndHasNoControlCharacters() {
        assertThat(BadRequestException.echo("a\u0001b\u009f\ud800")).isEqualTo("aU+0001bU+009FU+D800");
        assertThat(BadRequestException.echo("x".repeat(100))).isEqualTo("x".repeat(40) + "…");
        assertThatThrownBy(() -> Params.positiveId("id", "7\u0007"))
                .hasMessage("id must be a positive integer, was '7U+0007'");
    }
}
