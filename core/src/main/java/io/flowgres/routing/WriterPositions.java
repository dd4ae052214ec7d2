package io.flowgres.routing;

/**
 * The writer's WAL positions as Flowgres's prober read them, numbered by probe round. A round
 * numbered above what {@link #roundsStarted()} returned began after that call, so its position is
 * past the commit of every write known to have committed before the call: a read carrying it as its
 * {@link ConsistencyToken} runs on a replica only once that replica has replayed those writes. This
 * is how the {@link io.flowgres.cache.QueryCache} fills entries on replicas without ever caching a
 * value older than an invalidation it had already received.
 *
 * <p>Thread-safe; both methods are cheap (no I/O).
 */
public interface WriterPositions {

    /** The positions of a cluster nobody probes: none is ever known, so reads carrying them go to the writer. */
    WriterPositions NONE = new WriterPositions() {
        @Override
        public long roundsStarted() {
            return 0;
        }

        @Override
        public ConsistencyToken after(long round) {
            return ConsistencyToken.writerOnly();
        }
    };

    /**
     * How many probe rounds have started so far; every round numbered higher starts after this call.
     *
     * @return the count, zero before the first round
     */
    long roundsStarted();

    /**
     * The writer's position in the earliest remembered round numbered above {@code round} in which
     * the writer answered. Any such round began after {@link #roundsStarted()} returned {@code round},
     * so its position covers every commit known by then; the earliest is chosen because more replicas
     * have replayed an older position.
     *
     * @param round a count {@link #roundsStarted()} returned
     * @return the position as a token, or {@link ConsistencyToken#writerOnly()} when no such round
     *         is known yet (or any more)
     */
    ConsistencyToken after(long round);
}
