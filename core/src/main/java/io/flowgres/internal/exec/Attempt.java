package io.flowgres.internal.exec;

import org.jspecify.annotations.Nullable;

/**
 * What one finished attempt did, as an immutable value: the facts every retry decision and every
 * error message is made from.
 *
 * @param number the attempt's number, 1 for the first
 * @param node the node it ran on, or {@code null} when none was chosen
 * @param progress how far it got towards the server
 * @param emitted whether results already went downstream (a read cannot be replayed then)
 * @param nodeFailed whether retries of this operation should avoid the node (it failed, or it is at
 *        its concurrency limit)
 */
record Attempt(int number, @Nullable String node, Progress progress, boolean emitted, boolean nodeFailed) {

    /** An attempt that never reached a node: no deadline left, or no node the route allows. */
    static Attempt unrouted(int number) {
        return new Attempt(number, null, Progress.NOT_SENT, false, false);
    }
}
