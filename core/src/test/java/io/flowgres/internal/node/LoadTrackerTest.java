package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Load and stall on a hand-driven clock: a stall is unanswered work, measured from when it began. */
final class LoadTrackerTest {

    private static final long MS = 1_000_000;

    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final LoadTracker load = new LoadTracker(clock::get);

    @Test
    void idleNodeHasNoStall() {
        clock.addAndGet(500 * MS);

        assertThat(load.stallNanos()).isZero();
        assertThat(load.inFlight()).isZero();
    }

    @Test
    void unansweredWorkStallsFromWhenTheNodeBecameBusy() {
        clock.addAndGet(500 * MS); // idle time before the work never counts
        load.started();
        clock.addAndGet(30 * MS);

        assertThat(load.stallNanos()).isEqualTo(30 * MS);
    }

    @Test
    void anAnswerEndsTheStall() {
        load.started();
        clock.addAndGet(30 * MS);
        load.answered();

        assertThat(load.stallNanos()).isZero();
        clock.addAndGet(7 * MS);
        assertThat(load.stallNanos()).as("still busy, silent again since the answer").isEqualTo(7 * MS);
    }

    @Test
    void finishingAllWorkEndsTheStall() {
        load.started();
        clock.addAndGet(30 * MS);
        load.finished();

        assertThat(load.stallNanos()).isZero();
    }

    @Test
    void cancelledWorkStillSettlingKeepsTheStall() {
        load.started();
        clock.addAndGet(10 * MS);
        load.settlingStarted();
        load.finished(); // cancelled: the attempt ended, its connection has not settled
        clock.addAndGet(20 * MS);

        assertThat(load.stallNanos()).as("a cancellation is not an answer").isEqualTo(30 * MS);
        assertThat(load.settling()).isEqualTo(1);
        load.settlingEnded();
        assertThat(load.stallNanos()).isZero();
    }

    @Test
    void newWorkDuringSettlingDoesNotRestartTheStall() {
        load.started();
        load.settlingStarted();
        load.finished();
        clock.addAndGet(40 * MS);
        load.started();
        clock.addAndGet(5 * MS);

        assertThat(load.stallNanos()).isEqualTo(45 * MS);
        assertThat(load.inFlight()).isEqualTo(1);
    }
}
