package io.flowgres.load.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which answers count as failures, in particular for reads whose token names the writer alone. */
final class OutcomeTest {

    @Test
    void aWriterOnlyReadAnswered503WithRetryAfterKeepsItsContract() {
        assertThat(read(Outcome.Kind.WRITER_ONLY_READ, 503, true).failed()).isFalse();
        assertThat(read(Outcome.Kind.WRITER_ONLY_READ, 503, false).failed()).as("no Retry-After").isTrue();
        assertThat(read(Outcome.Kind.WRITER_ONLY_READ, 500, true).failed()).isTrue();
        assertThat(read(Outcome.Kind.WRITER_ONLY_READ, 200, false).failed()).isFalse();
    }

    @Test
    void anyOtherReadAnswered503Failed() {
        assertThat(read(Outcome.Kind.OWN_READ, 503, true).failed()).isTrue();
        assertThat(read(Outcome.Kind.BY_ID, 503, true).failed()).isTrue();
        assertThat(read(Outcome.Kind.OWN_READ, 200, false).isOwnRead()).isTrue();
        assertThat(read(Outcome.Kind.WRITER_ONLY_READ, 200, false).isOwnRead()).isTrue();
    }

    private static Outcome read(Outcome.Kind kind, int status, boolean retryAfter) {
        return new Outcome(kind, 1, 0, 1_000_000, status, status >= 500 ? "Database unavailable" : "", "t", retryAfter,
                false);
    }
}
