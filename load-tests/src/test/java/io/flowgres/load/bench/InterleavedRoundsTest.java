package io.flowgres.load.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Interleaving, on fake contenders that record fixed latencies at once: who runs when, with which
 * seed, and how figures are put together. No clock is involved in what is asserted.
 */
final class InterleavedRoundsTest {

    private final List<String> runs = new ArrayList<>();

    /** Records {@code requests} latencies of {@code millis} each and claims one second per run. */
    private InterleavedRounds.Contender fake(String name, int requests, long millis, boolean inJvm) {
        return new InterleavedRounds.Contender() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double run(Duration duration, long seed, LatencyRecorder recorder) {
                runs.add(name + "@" + seed);
                for (int i = 0; i < requests; i++) {
                    recorder.record(millis * 1_000_000);
                }
                return 1.0;
            }

            @Override
            public boolean inJvm() {
                return inJvm;
            }
        };
    }

    @Test
    void warmsEveryContenderUpThenRotatesTheOrderEachRound() {
        InterleavedRounds.run(List.of(fake("a", 1, 1, true), fake("b", 1, 1, true), fake("c", 1, 1, true)),
                Duration.ZERO, InterleavedRounds.Settling.NONE, 3, Duration.ZERO);

        assertThat(runs).containsExactly("a@-1", "b@-1", "c@-1", "a@0", "b@0", "c@0", "b@1", "c@1", "a@1", "c@2",
                "a@2", "b@2");
    }

    @Test
    void summarisesMeasuredRoundsOnlyAndComparesRoundByRound() {
        Map<String, InterleavedRounds.Result> results = InterleavedRounds.run(
                List.of(fake("fast", 200, 2, true), fake("slow", 100, 5, false)), Duration.ZERO,
                InterleavedRounds.Settling.NONE, 4, Duration.ZERO);

        InterleavedRounds.Result fast = results.get("fast");
        InterleavedRounds.Result slow = results.get("slow");
        assertThat(fast.summary().requests()).isEqualTo(800);
        assertThat(fast.summary().throughput()).isEqualTo(200.0);
        assertThat(fast.summary().p99()).isEqualTo(2.0);
        assertThat(fast.roundThroughputs()).containsExactly(200, 200, 200, 200);
        assertThat(fast.medianRoundRatio(slow)).isEqualTo(2.0);
        assertThat(fast.roundRatioRange(slow)).containsExactly(2.0, 2.0);
        assertThat(fast.cpuMicrosPerRequest()).isNotNaN().isNotNegative();
        assertThat(slow.cpuMicrosPerRequest()).isNaN();
        assertThat(fast.bytesPerRequest()).isNotNaN().isNotNegative();
        assertThat(slow.bytesPerRequest()).isNaN();
    }

    @Test
    void keepsWarmingUpInTurnUntilTheJitIsQuiet() {
        // Each round of two fake contenders claims 2 s; the JIT's total, read before and after each settling
        // round, grows by 500, 100, then 30 ms: 30 ms is under 2 % of 2 s, so the third settling round is the last.
        long[] totals = {0, 500, 500, 600, 600, 630};
        int[] reads = {0};
        InterleavedRounds.Settling settling = new InterleavedRounds.Settling(Duration.ofSeconds(60), 0.02,
                () -> totals[Math.min(reads[0]++, totals.length - 1)]);

        InterleavedRounds.run(List.of(fake("a", 1, 1, true), fake("b", 1, 1, true)), Duration.ZERO, settling, 1,
                Duration.ZERO);

        assertThat(runs).containsExactly("a@-1", "b@-1", "a@-2", "b@-2", "a@-2", "b@-2", "a@-2", "b@-2", "a@0", "b@0");
    }

    @Test
    void stopsSettlingWhenItsTimeIsUpEvenIfTheJitStillCompiles() {
        long[] compiled = {0};
        InterleavedRounds.Settling settling = new InterleavedRounds.Settling(Duration.ofSeconds(5), 0.02,
                () -> compiled[0] += 1_000);

        InterleavedRounds.run(List.of(fake("a", 1, 1, true), fake("b", 1, 1, true)), Duration.ZERO, settling, 1,
                Duration.ZERO);

        // 2 s of fake time per settling round: the third reaches 6 s, past the 5 s allowed.
        assertThat(runs).containsExactly("a@-1", "b@-1", "a@-2", "b@-2", "a@-2", "b@-2", "a@-2", "b@-2", "a@0", "b@0");
    }

    @Test
    void needsAtLeastOneRound() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> InterleavedRounds.run(List.of(fake("a", 1, 1, true)), Duration.ZERO,
                        InterleavedRounds.Settling.NONE, 0, Duration.ZERO))
                .withMessage("rounds must be at least 1, was 0");
    }
}
