package io.flowgres.load.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

final class PhaseFiguresTest {

    private static final Phase PHASE = new Phase("primary restarted", LoadModel.closed(16), Fault.PRIMARY_RESTARTED,
            Duration.ofSeconds(10), false);
    private static final ChaosPlan.Group GROUP = new ChaosPlan.Group(PHASE, List.of(0), PHASE.duration());

    private static Outcome write(String title, int status, String problem, boolean retryAfter) {
        return new Outcome(Outcome.Kind.WRITE, 0, 0, 5_000_000, status, problem, title, retryAfter, false);
    }

    private static Outcome read(Outcome.Kind kind, int status, long latencyMillis, boolean stale) {
        return new Outcome(kind, 0, 0, latencyMillis * 1_000_000, status, status >= 400 ? "Not Found" : "",
                kind == Outcome.Kind.OWN_READ ? "t" : "", false, stale);
    }

    @Test
    void acknowledgedWriteMissingFromTheDatabaseIsLostAndOnePresentTwiceIsDuplicated() {
        PhaseFigures figures = PhaseFigures.of(GROUP, List.of(
                write("a", 201, "", false), write("b", 201, "", false), write("c", 201, "", false)),
                Map.of("a", 1, "c", 2));

        assertThat(figures.acknowledged()).isEqualTo(3);
        assertThat(figures.lost()).isEqualTo(1);
        assertThat(figures.duplicated()).isEqualTo(1);
        assertThat(figures.failedWriteCount()).isZero();
    }

    @Test
    void failedWritesAreCountedByStatusAndProblemAndThoseAppliedAnywayByTheSameKey() {
        PhaseFigures figures = PhaseFigures.of(GROUP, List.of(
                write("a", 503, "Database unavailable", true),
                write("b", 503, "Database unavailable", false),
                write("c", 500, "Outcome unknown", false),
                write("d", Outcome.NO_ANSWER, "", false)),
                Map.of("a", 1, "c", 1));

        assertThat(figures.failedWrites()).containsExactly(
                Map.entry("500 Outcome unknown", 1),
                Map.entry("503 Database unavailable", 1),
                Map.entry("503 Database unavailable (no Retry-After)", 1),
                Map.entry("no answer", 1));
        assertThat(figures.appliedAnyway()).containsExactly(
                Map.entry("500 Outcome unknown", 1),
                Map.entry("503 Database unavailable", 1));
        assertThat(figures.lost()).isZero();
        assertThat(PhaseFigures.counts(figures.appliedAnyway()))
                .isEqualTo("500 Outcome unknown x 1, 503 Database unavailable x 1");
    }

    @Test
    void staleReadOfOnesOwnWriteIsAFailedReadAndSlowReadsAreCounted() {
        PhaseFigures figures = PhaseFigures.of(GROUP, List.of(
                read(Outcome.Kind.OWN_READ, 404, 3, true),
                read(Outcome.Kind.BY_ID, 200, 1_200, false),
                read(Outcome.Kind.BROWSE, 200, 20, false)),
                Map.of());

        assertThat(figures.staleReads()).isEqualTo(1);
        assertThat(figures.ownReads()).isEqualTo(1);
        assertThat(figures.failedReads()).containsExactly(Map.entry("own write: 404 stale", 1));
        assertThat(figures.readsOverOneSecond()).isEqualTo(1);
        assertThat(figures.reads().max()).isEqualTo(1_200.0);
        assertThat(figures.failedRequests()).isEqualTo(1);
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = new long[1000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = (i + 1) * 1_000_000L;
        }

        assertThat(Latencies.percentile(sorted, 0.50)).isEqualTo(500.0);
        assertThat(Latencies.percentile(sorted, 0.99)).isEqualTo(990.0);
        assertThat(Latencies.percentile(sorted, 0.999)).isEqualTo(999.0);
        assertThat(Latencies.percentile(sorted, 1.0)).isEqualTo(1000.0);
        assertThat(Latencies.percentile(new long[0], 0.5)).isNaN();
    }
}
