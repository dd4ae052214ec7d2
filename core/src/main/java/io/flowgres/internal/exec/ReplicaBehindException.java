package io.flowgres.internal.exec;

import io.flowgres.internal.Lsn;
import io.flowgres.routing.ConsistencyToken;

/**
 * A replica checked for a caller's consistency token had not replayed it in time: the read did
 * not run there and may be tried on another node. Internal; the executor translates it.
 */
final class ReplicaBehindException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String nodeName;

    /**
     * Creates the error.
     *
     * @param nodeName the replica
     * @param replayed how far it had replayed, or -1
     * @param token what the read needed
     */
    ReplicaBehindException(String nodeName, long replayed, ConsistencyToken token) {
        super(nodeName + " had replayed " + (replayed < 0 ? "nothing" : Lsn.format(replayed)) + ", the read needs "
                + token, null, false, false);
        this.nodeName = nodeName;
    }

    /** The replica that was behind. */
    String nodeName() {
        return nodeName;
    }
}
