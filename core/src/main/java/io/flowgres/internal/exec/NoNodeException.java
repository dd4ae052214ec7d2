package io.flowgres.internal.exec;

import io.flowgres.internal.routing.Router;

/** The router found no node for an attempt; the translator makes it an unavailable error. */
final class NoNodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Router.Selection.None none;

    NoNodeException(Router.Selection.None none) {
        super(none.reason(), null, false, false);
        this.none = none;
    }

    Router.Selection.None none() {
        return none;
    }
}
