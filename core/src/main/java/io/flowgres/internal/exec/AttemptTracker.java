package io.flowgres.internal.exec;

/**
 * Follows one attempt while it runs (how far it got, whether it emitted) and turns into its
 * immutable {@link Attempt} when it ends. Confined to one attempt; fields are volatile because the
 * attempt's signals may arrive on different threads.
 */
final class AttemptTracker {

    private final int number;
    private final String node;
    private volatile Progress progress = Progress.NOT_SENT;
    private volatile boolean emitted;

    AttemptTracker(int number, String node) {
        this.number = number;
        this.node = node;
    }

    /** Marks a step reached; progress never goes back. */
    void reached(Progress step) {
        if (step.compareTo(progress) > 0) {
            progress = step;
        }
    }

    void emitted() {
        emitted = true;
    }

    Attempt finish(boolean nodeFailed) {
        return new Attempt(number, node, progress, emitted, nodeFailed);
    }
}
