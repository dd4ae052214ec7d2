package io.flowgres.internal;

/**
 * A connection to a node could not be obtained: the pool's acquire timed out, its queue of waiting
 * callers was full, or a new connection could not be opened. Nothing of the operation reached the
 * server, which is what makes even a non-idempotent write safe to retry. The query pipeline
 * translates it into the public error hierarchy; callers never see this type.
 */
public final class NodeAcquireException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String nodeName;

    /**
     * Wraps an acquire failure.
     *
     * @param nodeName the node whose pool failed
     * @param cause the pool's or driver's error
     */
    public NodeAcquireException(String nodeName, Throwable cause) {
        super("no connection to " + nodeName + ": " + cause.getClass().getSimpleName(), cause);
        this.nodeName = nodeName;
    }

    /** The node whose pool failed. */
    public String nodeName() {
        return nodeName;
    }
}
