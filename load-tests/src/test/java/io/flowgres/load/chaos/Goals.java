package io.flowgres.load.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The goals of issue #11 that a chaos run can measure, each judged from one run's figures, outcomes
 * and timeline. A goal whose phase is not in the plan is left out.
 */
final class Goals {

    private Goals() {
    }

    /**
     * One goal's verdict.
     *
     * @param name the goal, as the issue states it
     * @param met whether this run met it
     * @param detail the figures it was judged on
     */
    record Goal(String name, boolean met, String detail) {
    }

    /**
     * Judges every goal whose phases the run had.
     *
     * @param figures the phases' figures, in order
     * @param outcomes every outcome of the run
     * @param timeline the run's events
     * @return the verdicts
     */
    static List<Goal> judge(List<PhaseFigures> figures, List<Outcome> outcomes, Timeline timeline) {
        List<Goal> goals = new ArrayList<>();
        for (PhaseFigures frozen : figures) {
            if (frozen.phase().fault() == Fault.REPLICA_FROZEN_BURSTS) {
                figures.stream()
                        .filter(healthy -> healthy.phase().fault() == Fault.NONE && !healthy.phase().warmUp()
                                && healthy.phase().load().equals(frozen.phase().load()))
                        .findFirst()
                        .ifPresent(healthy -> goals.add(replicaFrozen(healthy, frozen, outcomes, timeline)));
            }
            if (frozen.phase().fault() == Fault.PRIMARY_FROZEN) {
                goals.addAll(primaryFrozen(frozen, outcomes, timeline));
            }
            if (frozen.phase().fault() == Fault.PRIMARY_RESTARTED) {
                goals.add(primaryRestarted(frozen));
            }
            if (frozen.phase().fault() == Fault.PROMOTION) {
                goals.add(promotion(frozen, figures, outcomes, timeline));
            }
        }
        return goals;
    }

    private static Goal replicaFrozen(PhaseFigures healthy, PhaseFigures frozen, List<Outcome> outcomes,
            Timeline timeline) {
        double ratio = frozen.reads().p99() / healthy.reads().p99();
        boolean met = ratio <= 1.5 && frozen.failedReadCount() == 0 && frozen.readsOverOneSecond() == 0;
        // Freezes start on each whole second of the phase: where in that cycle the slow reads were sent
        // tells reads that waited on the frozen replica from those slowed by the thaw that follows.
        long[] slow = new long[3];
        long bound = (long) (healthy.reads().p99() * 1e6);
        for (int index : frozen.group().indices()) {
            timeline.first(0, event -> event.isFault(phaseBegins(index, frozen.phase())))
                    .ifPresent(begin -> outcomes.stream()
                            .filter(read -> read.phase() == index && read.isRead() && read.latencyNanos() > bound)
                            .forEach(read -> {
                                long inCycle = Math.floorMod(read.startNanos() - begin.atNanos(), 1_000_000_000L);
                                slow[inCycle < 300_000_000L ? 0 : inCycle < 600_000_000L ? 1 : 2]++;
                            }));
        }
        return new Goal("replica frozen 300 ms/s, " + frozen.phase().load().label()
                + ": read p99 within 1.5x healthy, zero failed reads, no read over 1 s", met,
                String.format("read p99 %s ms vs %s ms healthy (%.2fx); failed reads %d; reads over 1 s %d; "
                                + "max %s ms; reads slower than the healthy p99, by when they were sent in each "
                                + "second: %d in the 300 ms freeze, %d in the 300 ms after it, %d in the rest",
                        Latencies.ms(frozen.reads().p99()), Latencies.ms(healthy.reads().p99()), ratio,
                        frozen.failedReadCount(), frozen.readsOverOneSecond(), Latencies.ms(frozen.reads().max()),
                        slow[0], slow[1], slow[2]));
    }

    /** The text of the event that starts a phase ({@link Timeline#enter}). */
    static String phaseBegins(int index, Phase phase) {
        return "phase " + index + " begins: " + phase.name() + " (" + phase.load().label() + ")";
    }

    private static List<Goal> primaryFrozen(PhaseFigures phase, List<Outcome> outcomes, Timeline timeline) {
        Optional<Timeline.Event> paused = fault(timeline, Fault.PRIMARY_PAUSED);
        Optional<Timeline.Event> resuming = fault(timeline, Fault.PRIMARY_RESUMING);
        Optional<Timeline.Event> resumed = fault(timeline, Fault.PRIMARY_RESUMED);
        if (paused.isEmpty() || resuming.isEmpty() || resumed.isEmpty()) {
            return List.of(new Goal("primary frozen", false, "the primary was not frozen and resumed: "
                    + "see the fault events"));
        }
        // Frozen for certain from when pause() returned until resume() began; answering again from when
        // resume() returned.
        long pausedAt = paused.get().atNanos();
        long resumingAt = resuming.get().atNanos();
        long resumedAt = resumed.get().atNanos();
        // Detection is the prober's verdict (status down), from which writes are to fail fast; the
        // status may leave 'up' earlier (ejected after failed queries), which is reported too.
        Optional<Timeline.Event> leftUp = timeline.first(pausedAt, event -> TopologyWatch.leftUp(event, "primary"));
        Optional<Timeline.Event> detected = timeline.first(pausedAt, event -> TopologyWatch.wentDown(event, "primary"));
        List<Outcome> writes = writes(outcomes, write -> write.startNanos() >= pausedAt
                && write.startNanos() < resumingAt);
        Optional<Outcome> first503 = writes.stream().filter(write -> write.status() == 503).findFirst();
        long detectedAt = detected.map(Timeline.Event::atNanos).orElse(resumingAt);
        List<Outcome> afterDetection = writes.stream().filter(write -> write.startNanos() >= detectedAt).toList();
        Latencies fast = Latencies.of(afterDetection);
        long under10 = afterDetection.stream().filter(write -> write.latencyNanos() < 10_000_000L).count();
        long failed = afterDetection.stream().filter(Outcome::failed).count();
        boolean fastMet = detected.isPresent() && !afterDetection.isEmpty() && fast.p99() < 50
                && failed == afterDetection.size();
        Goal failFast = new Goal("primary frozen: writes after detection fail in < 10 ms (p99 < 50 ms via HTTP)",
                fastMet, String.format("frozen %.1f s; the service's topology left 'up' %s and the prober found "
                                + "the primary down %s after the freeze; first 503 answered %s after; %d writes "
                                + "sent between detection and resume: %d failed, p50 %s ms, p99 %s ms, max %s ms, "
                                + "%d under 10 ms",
                        (resumingAt - pausedAt) / 1e9,
                        leftUp.map(event -> millis(event.atNanos() - pausedAt)).orElse("never"),
                        detected.map(event -> millis(event.atNanos() - pausedAt)).orElse("never"),
                        first503.map(write -> millis(write.endNanos() - pausedAt)).orElse("never"),
                        afterDetection.size(), failed, Latencies.ms(fast.p50()), Latencies.ms(fast.p99()),
                        Latencies.ms(fast.max()), under10));
        Optional<Outcome> firstAck = writes(outcomes, write -> write.startNanos() >= resumedAt
                && write.acknowledged()).stream().min(Comparator.comparingLong(Outcome::endNanos));
        Optional<Outcome> lastFailure = writes(outcomes, write -> write.startNanos() >= resumedAt
                && phase.group().contains(write.phase()) && write.failed()).stream()
                .max(Comparator.comparingLong(Outcome::endNanos));
        boolean resumeMet = firstAck.isPresent() && firstAck.get().endNanos() - resumedAt <= 2_000_000_000L;
        Goal resume = new Goal("primary frozen: writes resume within 2 s of the primary answering again", resumeMet,
                String.format("first acknowledged write %s after the resume; last failed write sent after the "
                                + "resume answered %s after it",
                        firstAck.map(write -> millis(write.endNanos() - resumedAt)).orElse("never"),
                        lastFailure.map(write -> millis(write.endNanos() - resumedAt) + " (" + write.failureKey()
                                + ")").orElse("- (none failed)")));
        // Reads need no primary: replicas that have replayed its last position keep serving them, however long it is away.
        List<Outcome> readsWhileFrozen = outcomes.stream().filter(read -> read.isRead()
                && read.startNanos() >= pausedAt && read.startNanos() < resumingAt).toList();
        List<Outcome> failedReads = readsWhileFrozen.stream().filter(Outcome::failed).toList();
        Map<String, Long> byKey = failedReads.stream()
                .collect(Collectors.groupingBy(Outcome::failureKey, TreeMap::new, Collectors.counting()));
        Optional<Outcome> firstFailedRead = failedReads.stream().min(Comparator.comparingLong(Outcome::startNanos));
        Goal reads = new Goal("primary frozen: zero failed reads while it is frozen (longer than max-lag)",
                !readsWhileFrozen.isEmpty() && failedReads.isEmpty(),
                String.format("%d reads sent while frozen, %d failed %s; first failed read sent %s "
                                + "after the freeze",
                        readsWhileFrozen.size(), failedReads.size(), byKey,
                        firstFailedRead.map(read -> millis(read.startNanos() - pausedAt)).orElse("- (none failed)")));
        return List.of(failFast, resume, reads);
    }

    private static Goal primaryRestarted(PhaseFigures phase) {
        int writes = phase.writes().count();
        int failed = phase.failedWriteCount();
        double percent = writes == 0 ? 0 : 100.0 * failed / writes;
        // Retryable: 503 with Retry-After (a 500 "Outcome unknown" is honest, but not a retry signal).
        long unclear = phase.failedWrites().keySet().stream()
                .filter(key -> !key.startsWith("503 ") || key.contains("no Retry-After")).count();
        boolean met = phase.lost() == 0 && phase.duplicated() == 0 && percent < 1.0 && unclear == 0;
        return new Goal("primary restart: 0 lost, 0 duplicated, < 1 % failed, all with a clear retryable status",
                met, String.format("%d writes, %d acknowledged, %d lost, %d duplicated, %d failed (%.2f %%): %s; "
                                + "failed but applied: %s", writes, phase.acknowledged(), phase.lost(),
                        phase.duplicated(), failed, percent, PhaseFigures.counts(phase.failedWrites()),
                        PhaseFigures.counts(phase.appliedAnyway())));
    }

    private static Goal promotion(PhaseFigures phase, List<PhaseFigures> figures, List<Outcome> outcomes,
            Timeline timeline) {
        Optional<Timeline.Event> stopping = fault(timeline, Fault.PRIMARY_STOPPING);
        Optional<Timeline.Event> stopped = fault(timeline, Fault.PRIMARY_STOPPED);
        if (stopping.isEmpty() || stopped.isEmpty()) {
            return new Goal("promotion", false, "the primary was not stopped: see the fault events");
        }
        // Measured from when the old primary began to go away, to the first write acknowledged among
        // those sent once it was gone (earlier ones may still have reached it).
        long stoppedAt = stopping.get().atNanos();
        long goneAt = stopped.get().atNanos();
        Optional<Outcome> firstAck = writes(outcomes, write -> write.startNanos() >= goneAt
                && write.acknowledged()).stream().min(Comparator.comparingLong(Outcome::endNanos));
        long failedMeanwhile = writes(outcomes, write -> write.startNanos() >= stoppedAt && write.failed()
                && firstAck.map(ack -> write.startNanos() < ack.endNanos()).orElse(true)).size();
        Optional<Timeline.Event> writer = timeline.first(stoppedAt, event -> Timeline.TOPOLOGY.equals(event.source())
                && event.what().startsWith("writer "));
        int lost = figures.stream().mapToInt(PhaseFigures::lost).sum();
        boolean met = firstAck.isPresent() && firstAck.get().endNanos() - stoppedAt <= 5_000_000_000L && lost == 0;
        return new Goal("promotion: writes succeed on the new primary within 5 s, 0 acknowledged writes lost", met,
                String.format("old primary stopped in %s; first acknowledged write sent after that answered %s "
                                + "after the stop began (%d writes failed until then); service switched writer %s; "
                                + "acknowledged writes lost in the whole run: %d (in this phase: %d)",
                        millis(goneAt - stoppedAt),
                        firstAck.map(write -> millis(write.endNanos() - stoppedAt)).orElse("never"), failedMeanwhile,
                        writer.map(event -> "(" + event.what() + ") " + millis(event.atNanos() - stoppedAt)
                                + " after").orElse("never"), lost, phase.lost()));
    }

    private static Optional<Timeline.Event> fault(Timeline timeline, String text) {
        return timeline.first(0, event -> event.isFault(text));
    }

    private static List<Outcome> writes(List<Outcome> outcomes, Predicate<Outcome> match) {
        return outcomes.stream().filter(outcome -> !outcome.isRead()).filter(match)
                .sorted(Comparator.comparingLong(Outcome::startNanos)).toList();
    }

    private static String millis(long nanos) {
        return String.format("%,.0f ms", nanos / 1e6);
    }
}
