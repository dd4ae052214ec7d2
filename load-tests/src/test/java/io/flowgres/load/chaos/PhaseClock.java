package io.flowgres.load.chaos;

import java.time.Duration;

/** The schedule of one phase as the fault driving it sees it: waits measured from the phase's start. */
final class PhaseClock {

    private final Timeline timeline;
    private final long startNanos;
    private final long endNanos;

    PhaseClock(Timeline timeline, long startNanos, Duration duration) {
        this.timeline = timeline;
        this.startNanos = startNanos;
        this.endNanos = startNanos + duration.toNanos();
    }

    /**
     * Waits until {@code offset} after the phase began (at once when that has passed).
     *
     * @param offset the time into the phase
     * @throws InterruptedException when the run is being stopped
     */
    void at(Duration offset) throws InterruptedException {
        sleepUntil(startNanos + offset.toNanos());
    }

    /** Waits until the phase ends. */
    void end() throws InterruptedException {
        sleepUntil(endNanos);
    }

    /** How long the phase still lasts. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - timeline.now()));
    }

    private void sleepUntil(long atNanos) throws InterruptedException {
        long wait = atNanos - timeline.now();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
