package io.flowgres.internal;

/**
 * A node refused work at its concurrency limit, before anything reached its pool or the server. Not
 * retried (more attempts would add to the overload); translated into an unavailable error with a
 * short retry-after.
 */
public final class NodeOverloadedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String nodeName;

    /**
     * Creates the refusal.
     *
     * @param nodeName the node at its limit
     * @param limit its current limit
     */
    public NodeOverloadedException(String nodeName, int limit) {
        super(nodeName + " is at its concurrency limit of " + limit, null, false, false);
        this.nodeName = nodeName;
    }

    /** The node at its limit. */
    public String nodeName() {
        return nodeName;
    }
}
