package io.flowgres.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowgres.routing.ConsistencyToken;
import org.junit.jupiter.api.Test;

/**
 * The writer's positions by probe round: a reader asking for a round after a count gets the earliest
 * position read since, never one of a round that had started before, and the writer only when none
 * is known.
 */
final class ProbedPositionsTest {

    private final ProbedPositions positions = new ProbedPositions();

    @Test
    void nothingIsKnownBeforeARoundEnds() {
        assertThat(positions.roundsStarted()).isZero();
        assertThat(positions.after(0)).isEqualTo(ConsistencyToken.writerOnly());
        long round = positions.start();
        assertThat(round).isEqualTo(1);
        assertThat(positions.roundsStarted()).isEqualTo(1);
        assertThat(positions.after(0)).isEqualTo(ConsistencyToken.writerOnly());
    }

    @Test
    void theEarliestRoundBegunAfterTheCountIsChosen() {
        positions.record(positions.start(), 100);
        positions.record(positions.start(), 200);
        positions.record(positions.start(), 300);
        assertThat(positions.after(0)).isEqualTo(new ConsistencyToken(100));
        assertThat(positions.after(1)).isEqualTo(new ConsistencyToken(200));
        assertThat(positions.after(2)).isEqualTo(new ConsistencyToken(300));
        assertThat(positions.after(3)).isEqualTo(ConsistencyToken.writerOnly());
    }

    @Test
    void aRoundWithoutTheWritersAnswerIsSkipped() {
        positions.record(positions.start(), 100);
        long unanswered = positions.start();
        positions.record(positions.start(), 300);
        assertThat(positions.after(unanswered - 1)).isEqualTo(new ConsistencyToken(300));
    }

    @Test
    void aRoundThatStartedBeforeTheCountNeverAnswersEvenWhenItEndsAfter() {
        long running = positions.start();
        long count = positions.roundsStarted();
        positions.record(running, 100);
        assertThat(positions.after(count)).isEqualTo(ConsistencyToken.writerOnly());
    }

    @Test
    void overlappingRoundsAreKeptInRoundOrder() {
        long first = positions.start();
        long second = positions.start();
        positions.record(second, 200);
        positions.record(first, 100);
        assertThat(positions.after(0)).isEqualTo(new ConsistencyToken(100));
        assertThat(positions.after(first)).isEqualTo(new ConsistencyToken(200));
    }

    @Test
    void onlyTheLatestRoundsAreRemembered() {
        for (int i = 1; i <= ProbedPositions.REMEMBERED + 2; i++) {
            positions.record(positions.start(), i * 100L);
        }
        assertThat(positions.after(0)).isEqualTo(new ConsistencyToken(300));
        assertThat(positions.after(ProbedPositions.REMEMBERED + 1)).isEqualTo(
                new ConsistencyToken((ProbedPositions.REMEMBERED + 2) * 100L));
    }
}
