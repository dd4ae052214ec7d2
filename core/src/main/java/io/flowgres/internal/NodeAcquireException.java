package io.flowgres.internal;

import reactor.pool.PoolAcquirePendingLimitException;

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

    /** Whether the pool refused because its queue of waiting callers was full (an overload, not a failure). */
    public boolean queueFull() {
        return isQueueFull(getCause());
    }

    /**
     * Whether an acquire error, or one of its causes, is the pool's full queue of waiting callers.
     *
     * @param error the pool's or driver's error
     * @return whether the queue was full
     */
    public static boolean isQueueFull(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof PoolAcquirePendingLimitException) {
                return true;
            }
        }
        return false;
    }
}
