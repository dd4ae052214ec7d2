package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The adaptive hedge delay follows the recent 95th percentile, within its bounds. */
final class LatencyWindowTest {

    private static final long MS = 1_000_000;
    private static final Duration FLOOR = Duration.ofMillis(5);
    private static final Duration CEILING = Duration.ofMillis(250);

    private final AtomicLong clock = new AtomicLong();
    private final LatencyWindow window = new LatencyWindow(clock::get);

    @Test
    void tooFewReadsHedgeAtTheCeiling() {
        for (int i = 0; i < LatencyWindow.MIN_SAMPLES - 1; i++) {
            window.record(1 * MS);
        }

        assertThat(window.hedgeDelay(FLOOR, CEILING)).isEqualTo(CEILING);
    }

    @Test
    void delayIsTheRecentNinetyFifthPercentile() {
        for (int i = 1; i <= 100; i++) {
            window.record(i * MS); // 1..100 ms
        }

        assertThat(window.hedgeDelay(FLOOR, CEILING)).isEqualTo(Duration.ofMillis(95));
    }

    @Test
    void delayStaysWithinItsBounds() {
        for (int i = 0; i < 100; i++) {
            window.record(MS / 10);
        }
        assertThat(window.hedgeDelay(FLOOR, CEILING)).isEqualTo(FLOOR);

        for (int i = 0; i < LatencyWindow.SIZE; i++) {
            window.record(2_000 * MS);
        }
        clock.addAndGet(LatencyWindow.REFRESH_MILLIS * MS + 1);
        assertThat(window.hedgeDelay(FLOOR, CEILING)).isEqualTo(CEILING);
    }

    @Test
    void oldSamplesLeaveTheWindow() {
        for (int i = 0; i < LatencyWindow.SIZE; i++) {
            window.record(200 * MS);
        }
        for (int i = 0; i < LatencyWindow.SIZE; i++) {
            window.record(2 * MS);
        }

        assertThat(window.hedgeDelay(FLOOR, CEILING)).isEqualTo(FLOOR);
    }
}
