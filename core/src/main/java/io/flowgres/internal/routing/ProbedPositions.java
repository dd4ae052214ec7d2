package io.flowgres.internal.routing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.WriterPositions;

/**
 * The prober's rounds and the writer's WAL position in each of the last {@value #REMEMBERED} rounds
 * in which the writer answered. A round is counted when it starts, before any of its probes is sent,
 * so its position (read by the writer's probe) is past every commit known before the count.
 */
public final class ProbedPositions implements WriterPositions {

    /**
     * How many rounds' positions are kept: with the default one-second interval, positions up to
     * about this many seconds old, which every replica within the lag bounds has replayed.
     */
    static final int REMEMBERED = 8;

    private final AtomicLong started = new AtomicLong();
    /** Rounds and positions, oldest first, replaced whole on every record (read far more often). */
    private volatile Known known = new Known(new long[0], new long[0]);

    /**
     * Counts a round that is about to send its probes.
     *
     * @return the round's number, from 1
     */
    long start() {
        return started.incrementAndGet();
    }

    /**
     * Records the writer's position in a round.
     *
     * @param round the round's number, from {@link #start()}
     * @param lsn the writer's WAL insert position, read by that round's probe
     */
    synchronized void record(long round, long lsn) {
        Known current = known;
        // Rounds normally end in order, but a probeNow() may overlap the scheduled round: keep them sorted.
        int at = current.rounds.length;
        while (at > 0 && current.rounds[at - 1] > round) {
            at--;
        }
        long[] rounds = insert(current.rounds, at, round);
        long[] positions = insert(current.positions, at, lsn);
        int drop = Math.max(0, rounds.length - REMEMBERED);
        known = new Known(Arrays.copyOfRange(rounds, drop, rounds.length),
                Arrays.copyOfRange(positions, drop, positions.length));
    }

    @Override
    public long roundsStarted() {
        return started.get();
    }

    @Override
    public ConsistencyToken after(long round) {
        Known current = known;
        for (int i = 0; i < current.rounds.length; i++) {
            if (current.rounds[i] > round) {
                return new ConsistencyToken(current.positions[i]);
            }
        }
        return ConsistencyToken.writerOnly();
    }

    private static long[] insert(long[] values, int at, long value) {
        long[] inserted = new long[values.length + 1];
        System.arraycopy(values, 0, inserted, 0, at);
        inserted[at] = value;
        System.arraycopy(values, at, inserted, at + 1, values.length - at);
        return inserted;
    }

    private record Known(long[] rounds, long[] positions) {
    }
}
