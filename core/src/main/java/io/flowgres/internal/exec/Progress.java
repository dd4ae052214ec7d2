package io.flowgres.internal.exec;

/**
 * How far one attempt got towards the server, which is what decides whether a failure may be
 * retried: before {@link #SENT} nothing reached the server; from it on a write may have been
 * applied; from {@link #COMMIT_SENT} a transaction may have committed; at {@link #COMMITTED} it did.
 */
enum Progress {
    /** No connection held, or the work not started: nothing reached the server. */
    NOT_SENT,
    /** The work (or the transaction's {@code BEGIN}) was handed to the connection. */
    SENT,
    /** {@code COMMIT} was sent and not yet answered. */
    COMMIT_SENT,
    /** The write or transaction committed: whatever fails now, it must never run again. */
    COMMITTED
}
