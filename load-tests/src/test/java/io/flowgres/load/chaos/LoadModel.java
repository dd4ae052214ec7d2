package io.flowgres.load.chaos;

/**
 * How the simulation offers load during a phase: a closed model (a fixed number of users, each
 * starting its next iteration as soon as the last one ended) or an open model (iterations arriving
 * at a fixed rate, whatever the answers' latency).
 *
 * @param closed whether this is a closed model
 * @param users the concurrent users of a closed model (0 for an open one)
 * @param perSecond the iterations started per second of an open model (0 for a closed one)
 */
record LoadModel(boolean closed, int users, double perSecond) {

    LoadModel {
        if (closed && users <= 0) {
            throw new IllegalArgumentException("users must be positive, was " + users);
        }
        if (!closed && !(perSecond > 0)) {
            throw new IllegalArgumentException("perSecond must be positive, was " + perSecond);
        }
    }

    /** A closed model of {@code users} concurrent users. */
    static LoadModel closed(int users) {
        return new LoadModel(true, users, 0);
    }

    /** An open model of {@code perSecond} iterations arriving per second. */
    static LoadModel open(double perSecond) {
        return new LoadModel(false, 0, perSecond);
    }

    /** A short label for tables, e.g. {@code closed 16} or {@code open 100/s}. */
    String label() {
        return closed ? "closed " + users : String.format("open %.0f/s", perSecond);
    }
}
