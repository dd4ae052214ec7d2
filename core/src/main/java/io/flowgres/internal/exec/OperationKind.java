package io.flowgres.internal.exec;

import java.util.Locale;

/** The three kinds of operation, which differ in route, retry policy and retry safety. */
public enum OperationKind {
    /** A read: any eligible node the route allows; every transient failure may be retried. */
    READ,
    /** A single auto-committed write on the primary: retried only when it never reached the server, or is idempotent. */
    WRITE,
    /** A transaction on the primary: re-run whole when PostgreSQL rolled it back; never after an unknown commit. */
    TRANSACTION;

    /** The kind as metrics and observations tag it, made once rather than per attempt. */
    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The kind as metrics and observations tag it: {@code read}, {@code write}, {@code transaction}. */
    public String tag() {
        return tag;
    }
}
