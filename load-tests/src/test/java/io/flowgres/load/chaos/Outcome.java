package io.flowgres.load.chaos;

/**
 * What one request of the simulation got, as the simulation saw it.
 *
 * @param kind what the request was
 * @param phase the index of the phase current when it was sent
 * @param startNanos when it was sent, in nanoseconds since the run began
 * @param latencyNanos how long until its answer (or its failure)
 * @param status the HTTP status, or {@link #NO_ANSWER}
 * @param problem the problem's title of an error answer (e.g. {@code Outcome unknown}), else empty
 * @param title the pitch title a write sent, or that a read of one's own write expects; else empty
 * @param retryAfter whether the answer carried a {@code Retry-After} header
 * @param stale for a read of one's own write: whether it did not see the write
 */
record Outcome(Kind kind, int phase, long startNanos, long latencyNanos, int status, String problem, String title,
        boolean retryAfter, boolean stale) {

    /** The status of a request that got no HTTP answer at all (connection failure, timeout). */
    static final int NO_ANSWER = 0;

    /** Whether this request is a read. */
    boolean isRead() {
        return kind.read();
    }

    /**
     * Whether this request failed: a read not answered 200 or stale, a write not answered 201. A
     * read of one's own write whose token names the writer alone (its write committed but its WAL
     * position could not be read) may only be served by the writer, so while the writer is away a
     * 503 with {@code Retry-After} is its contract, not a failure.
     */
    boolean failed() {
        if (kind == Kind.WRITER_ONLY_READ && status == 503 && retryAfter) {
            return false;
        }
        return isRead() ? status != 200 || stale : status != 201;
    }

    /** Whether this is a read of one's own write (with a position token or a writer-only one). */
    boolean isOwnRead() {
        return kind == Kind.OWN_READ || kind == Kind.WRITER_ONLY_READ;
    }

    /** Whether this is a write the service acknowledged (201). */
    boolean acknowledged() {
        return !isRead() && status == 201;
    }

    /** When the answer came, in nanoseconds since the run began. */
    long endNanos() {
        return startNanos + latencyNanos;
    }

    /**
     * How a failure is counted in the tables: the status, with the problem's title for a 5xx, and
     * whether a 503 came without {@code Retry-After}.
     */
    String failureKey() {
        if (status == NO_ANSWER) {
            return "no answer";
        }
        if (stale) {
            return status + " stale";
        }
        String key = status >= 500 && !problem.isEmpty() ? status + " " + problem : Integer.toString(status);
        return status == 503 && !retryAfter ? key + " (no Retry-After)" : key;
    }

    /** What the simulation's requests are. */
    enum Kind {
        /** {@code GET /api/pitches/{id}} of a seeded pitch. */
        BY_ID(true, "by id"),
        /** {@code GET /api/pitches?limit=..[&cursor=..]}: a browse page. */
        BROWSE(true, "browse"),
        /** {@code POST /api/pitches} with a unique title. */
        WRITE(false, "write"),
        /** {@code GET /api/pitches/{id}} of one's own write, with its {@code Flowgres-Consistency} token. */
        OWN_READ(true, "own write"),
        /** The same, with the writer-only token a write gets when its WAL position could not be read. */
        WRITER_ONLY_READ(true, "own write, writer-only token");

        private final boolean read;
        private final String label;

        Kind(boolean read, String label) {
            this.read = read;
            this.label = label;
        }

        boolean read() {
            return read;
        }

        /** A short name for the tables. */
        String label() {
            return label;
        }
    }
}
