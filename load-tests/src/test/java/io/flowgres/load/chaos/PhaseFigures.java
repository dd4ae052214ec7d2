package io.flowgres.load.chaos;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The figures of a group of phases (one phase, or the rounds of one), computed from the recorded
 * outcomes of the requests sent during them and from the titles found in the database afterwards.
 *
 * @param group the phases
 * @param all latencies of every request
 * @param reads latencies of the reads (by id, browse pages, reads of one's own writes)
 * @param writes latencies of the writes
 * @param failedReads failed reads by kind and {@link Outcome#failureKey()}
 * @param failedWrites failed writes by {@link Outcome#failureKey()}
 * @param readsOverOneSecond reads that took longer than 1 s
 * @param ownReads reads of one's own write
 * @param staleReads reads of one's own write that did not see it
 * @param acknowledged writes answered 201
 * @param lost acknowledged writes whose title is not in the database
 * @param duplicated writes (acknowledged or not) whose title is there more than once
 * @param appliedAnyway failed writes whose title is in the database, by {@link Outcome#failureKey()}
 * @param failedRequests failed requests of any kind
 */
record PhaseFigures(ChaosPlan.Group group, Latencies all, Latencies reads, Latencies writes,
        SortedMap<String, Integer> failedReads, SortedMap<String, Integer> failedWrites, int readsOverOneSecond,
        int ownReads, int staleReads, int acknowledged, int lost, int duplicated,
        SortedMap<String, Integer> appliedAnyway, int failedRequests) {

    /**
     * Computes a group of phases' figures.
     *
     * @param group the phases
     * @param outcomes the outcomes of the requests sent during them
     * @param titles how many rows the database holds per written title
     * @return the figures
     */
    static PhaseFigures of(ChaosPlan.Group group, List<Outcome> outcomes, Map<String, Integer> titles) {
        List<Outcome> reads = outcomes.stream().filter(Outcome::isRead).toList();
        List<Outcome> writes = outcomes.stream().filter(outcome -> !outcome.isRead()).toList();
        SortedMap<String, Integer> failedReads = new TreeMap<>();
        SortedMap<String, Integer> failedWrites = new TreeMap<>();
        SortedMap<String, Integer> appliedAnyway = new TreeMap<>();
        int lost = 0;
        int duplicated = 0;
        for (Outcome read : reads) {
            if (read.failed()) {
                failedReads.merge(read.kind().label() + ": " + read.failureKey(), 1, Integer::sum);
            }
        }
        for (Outcome write : writes) {
            int rows = titles.getOrDefault(write.title(), 0);
            duplicated += rows > 1 ? 1 : 0;
            if (write.acknowledged()) {
                lost += rows == 0 ? 1 : 0;
            } else {
                failedWrites.merge(write.failureKey(), 1, Integer::sum);
                if (rows > 0) {
                    appliedAnyway.merge(write.failureKey(), 1, Integer::sum);
                }
            }
        }
        return new PhaseFigures(group, Latencies.of(outcomes), Latencies.of(reads), Latencies.of(writes),
                failedReads, failedWrites,
                (int) reads.stream().filter(read -> read.latencyNanos() > 1_000_000_000L).count(),
                (int) reads.stream().filter(Outcome::isOwnRead).count(),
                (int) reads.stream().filter(Outcome::stale).count(),
                (int) writes.stream().filter(Outcome::acknowledged).count(), lost, duplicated, appliedAnyway,
                (int) outcomes.stream().filter(Outcome::failed).count());
    }

    /** The (first) phase these figures are of. */
    Phase phase() {
        return group.phase();
    }

    /** The phases' name for tables and messages. */
    String name() {
        return (phase().warmUp() ? "warm-up (not judged)" : phase().name()) + ", " + phase().load().label();
    }

    /** Failed reads of any kind. */
    int failedReadCount() {
        return failedReads.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Failed writes of any kind. */
    int failedWriteCount() {
        return failedWrites.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Counts as a table cell: {@code 503 x 3, no answer x 1}, or {@code 0}. */
    static String counts(Map<String, Integer> counts) {
        if (counts.isEmpty()) {
            return "0";
        }
        StringBuilder cell = new StringBuilder();
        counts.forEach((key, count) -> cell.append(cell.length() == 0 ? "" : ", ").append(key).append(" x ")
                .append(count));
        return cell.toString();
    }
}
