package io.flowgres.load.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

/**
 * Runs contenders in interleaved rounds, so that drift on a shared machine (other work, caches,
 * a JIT compiling late, vacuum) hits them all alike: a warm-up of each, then unrecorded rounds until
 * the JIT has settled ({@link Settling}), then round after round of each contender in turn for the same
 * time, the order rotated every round (A,B then B,A; A,B,C then B,C,A, then C,A,B). Within a round all
 * contenders draw the same request ids.
 *
 * <p>Besides latency and throughput, it counts the CPU time this JVM used while each contender ran,
 * per request: on a shared machine, other processes' load stretches latencies and cuts throughput,
 * but hardly changes how much work a request costs. And the bytes this JVM's threads allocated per
 * request, which other processes do not change at all: a change of a few hundred nanoseconds a
 * request is lost in the noise of two cores shared with PostgreSQL, the objects it saves are not.
 */
final class InterleavedRounds {

    /** Latency slots per contender; more than any contender answers in a run of a few minutes. */
    private static final int CAPACITY = 4_000_000;
    private static final OperatingSystemMXBean PROCESS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private InterleavedRounds() {
    }

    /**
     * When warming up is over: after the fixed warm-up, every contender runs unrecorded rounds in turn
     * until the JIT compiled for less than {@code quietShare} of such a round's time, or until
     * {@code atMost} has gone by. A fixed warm-up alone is not enough when one contender runs more code
     * than another: measured on 2026-12-06, the reference service still compiled for minutes after a
     * 15 s warm-up, and a run that began then cost 3x the CPU per request it cost 70 s later, where the
     * plain service's cost had long settled; its rounds would have measured its JIT, not its steady state.
     *
     * @param atMost the longest the settling rounds may take together (their contenders' own seconds)
     * @param quietShare the compilation time, as a share of a round's time, below which the JIT counts as settled
     * @param compiledMillis the JIT's total compilation time so far, in milliseconds
     */
    record Settling(Duration atMost, double quietShare, LongSupplier compiledMillis) {

        /** No settling rounds: the fixed warm-up only. */
        static final Settling NONE = new Settling(Duration.ZERO, 1, () -> 0);

        /**
         * Settling on this JVM's JIT ({@link java.lang.management.CompilationMXBean}), until it compiles
         * for less than 2 % of a round's time, for at most {@code -Dbench.settleSeconds} (default 120).
         *
         * @return the settling; {@link #NONE} when the JVM does not time its compilation
         */
        static Settling jit() {
            return jit(Duration.ofSeconds(Integer.getInteger("bench.settleSeconds", 120)));
        }

        /**
         * Settling on this JVM's JIT for at most the given time.
         *
         * @param atMost the longest the settling rounds may take
         * @return the settling; {@link #NONE} when the JVM does not time its compilation
         */
        static Settling jit(Duration atMost) {
            var compilation = ManagementFactory.getCompilationMXBean();
            if (compilation == null || !compilation.isCompilationTimeMonitoringSupported()) {
                return NONE;
            }
            return new Settling(atMost, 0.02, compilation::getTotalCompilationTime);
        }
    }

    /** One of the things compared. */
    interface Contender {

        /** The name it is reported under. */
        String name();

        /**
         * Runs its load for about the given time.
         *
         * @param duration how long to run
         * @param seed seeds the request ids, the same for every contender of a round
         * @param recorder receives latencies and failures
         * @return the seconds that the recorded requests took to run, for throughput
         */
        double run(Duration duration, long seed, LatencyRecorder recorder);

        /** Whether its work runs in this JVM, so that the JVM's CPU time is its cost (not for pgbench). */
        default boolean inJvm() {
            return true;
        }
    }

    /**
     * A contender's figures over all its rounds.
     *
     * @param summary latencies and throughput of all measured rounds together
     * @param roundThroughputs the throughput of each round, in round order
     * @param cpuMicrosPerRequest this JVM's CPU time (all threads) per answered request while the
     *     contender ran, in microseconds; {@code NaN} for a contender that runs elsewhere
     * @param bytesPerRequest the bytes this JVM's threads allocated per answered request while the
     *     contender ran; {@code NaN} for a contender that runs elsewhere
     */
    record Result(LatencyRecorder.Summary summary, double[] roundThroughputs, double cpuMicrosPerRequest,
            double bytesPerRequest) {

        /**
         * This contender's throughput over another's, round by round (the two ran next to each other).
         *
         * @param other the contender compared with
         * @return the smallest and the largest per-round ratio
         */
        double[] roundRatioRange(Result other) {
            double[] ratios = new double[roundThroughputs.length];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = roundThroughputs[i] / other.roundThroughputs[i];
            }
            Arrays.sort(ratios);
            return new double[] {ratios[0], ratios[ratios.length - 1]};
        }

        /**
         * The median of this contender's throughput over another's, round by round: less swayed than the
         * overall ratio by one round that another process disturbed.
         *
         * @param other the contender compared with
         * @return the median per-round ratio
         */
        double medianRoundRatio(Result other) {
            double[] ratios = new double[roundThroughputs.length];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = roundThroughputs[i] / other.roundThroughputs[i];
            }
            Arrays.sort(ratios);
            int middle = ratios.length / 2;
            return ratios.length % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
        }
    }

    /**
     * Warms every contender up, runs unrecorded rounds until the JIT has settled, then runs the rounds.
     *
     * @param contenders the contenders, in the first round's order
     * @param warmUp how long each contender warms up (not recorded)
     * @param settling when the warm-up is over
     * @param rounds how many measured rounds, at least 1
     * @param round how long each contender runs per round
     * @return each contender's result, by name, in the given order
     */
    static Map<String, Result> run(List<? extends Contender> contenders, Duration warmUp, Settling settling,
            int rounds, Duration round) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
        }
        for (Contender contender : contenders) {
            contender.run(warmUp, -1, new LatencyRecorder(CAPACITY));
        }
        settle(contenders, settling, round);
        long compiledBefore = settling.compiledMillis().getAsLong();
        Map<String, LatencyRecorder> recorders = new LinkedHashMap<>();
        Map<String, double[]> seconds = new LinkedHashMap<>();
        Map<String, double[]> throughputs = new LinkedHashMap<>();
        Map<String, Long> cpuNanos = new LinkedHashMap<>();
        Map<String, Long> allocated = new LinkedHashMap<>();
        for (Contender contender : contenders) {
            recorders.put(contender.name(), new LatencyRecorder(CAPACITY));
            seconds.put(contender.name(), new double[rounds]);
            throughputs.put(contender.name(), new double[rounds]);
            cpuNanos.put(contender.name(), 0L);
            allocated.put(contender.name(), 0L);
        }
        List<Contender> order = new ArrayList<>(contenders);
        for (int r = 0; r < rounds; r++) {
            for (Contender contender : order) {
                LatencyRecorder recorder = recorders.get(contender.name());
                int before = recorder.count();
                long cpuBefore = PROCESS.getProcessCpuTime();
                long allocatedBefore = allocatedBytes();
                double took = contender.run(round, r, recorder);
                cpuNanos.merge(contender.name(), PROCESS.getProcessCpuTime() - cpuBefore, Long::sum);
                allocated.merge(contender.name(), allocatedBytes() - allocatedBefore, Long::sum);
                seconds.get(contender.name())[r] = took;
                throughputs.get(contender.name())[r] = (recorder.count() - before) / took;
            }
            Collections.rotate(order, -1);
        }
        if (settling != Settling.NONE) {
            double measured = seconds.values().stream().flatMapToDouble(Arrays::stream).sum();
            System.out.printf("JIT: compiled %d ms during the %.0f s of measured rounds%n",
                    settling.compiledMillis().getAsLong() - compiledBefore, measured);
        }
        Map<String, Result> results = new LinkedHashMap<>();
        for (Contender contender : contenders) {
            double total = Arrays.stream(seconds.get(contender.name())).sum();
            LatencyRecorder recorder = recorders.get(contender.name());
            double cpu = contender.inJvm() ? cpuNanos.get(contender.name()) / 1e3 / Math.max(1, recorder.count())
                    : Double.NaN;
            double bytes = contender.inJvm() ? (double) allocated.get(contender.name()) / Math.max(1, recorder.count())
                    : Double.NaN;
            results.put(contender.name(), new Result(recorder.summarise(total), throughputs.get(contender.name()),
                    cpu, bytes));
        }
        return results;
    }

    /** Unrecorded rounds of every contender in turn until the JIT is quiet or the time is up (seed -2). */
    private static void settle(List<? extends Contender> contenders, Settling settling, Duration round) {
        if (settling == Settling.NONE) {
            return;
        }
        double spent = 0;
        int cycles = 0;
        while (true) {
            long compiledBefore = settling.compiledMillis().getAsLong();
            double cycle = 0;
            for (Contender contender : contenders) {
                cycle += contender.run(round, -2, new LatencyRecorder(CAPACITY));
            }
            long compiled = settling.compiledMillis().getAsLong() - compiledBefore;
            spent += cycle;
            cycles++;
            boolean quiet = compiled <= settling.quietShare() * cycle * 1000;
            if (quiet || spent * 1000 >= settling.atMost().toMillis()) {
                System.out.printf("JIT: %s after %d settling rounds (%.0f s): %d ms compiled in the last one of %.0f s%n",
                        quiet ? "settled" : "still compiling", cycles, spent, compiled, cycle);
                return;
            }
        }
    }

    /**
     * What the JVM's live threads have allocated so far, in bytes. A thread that ends within a round
     * takes its share with it; the event loops and pools that do the work live through the run.
     */
    private static long allocatedBytes() {
        long total = 0;
        for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
            if (bytes > 0) {
                total += bytes;
            }
        }
        return total;
    }
}
