package io.flowgres.web.routing;

/**
 * The {@code flowgres.consistency.*} settings (part of {@code FlowgresProperties}): read-your-writes
 * over HTTP with the {@value ConsistencyHeader#NAME} header.
 *
 * <pre>
 * flowgres.consistency.secret=${CONSISTENCY_SECRET}
 * </pre>
 */
public class ConsistencyProperties {

    /**
     * The secret that signs the consistency tokens of responses and checks those of requests, at least 16
     * bytes; empty for a random one per instance (tokens then do not survive a restart and do not work
     * across instances behind one load balancer, which must share it).
     */
    private String secret = "";

    /**
     * Whether the consistency filter reads the header into every request's routing and answers the
     * tokens of the request's read-write transactions.
     */
    private boolean filter = true;

    /** Creates the settings with their defaults. */
    public ConsistencyProperties() {
    }

    /** The signing secret; empty for a random one. */
    public String getSecret() {
        return secret;
    }

    /**
     * Sets the signing secret.
     *
     * @param secret at least 16 bytes, or empty
     */
    public void setSecret(String secret) {
        this.secret = secret;
    }

    /** Whether the filter is on. */
    public boolean isFilter() {
        return filter;
    }

    /**
     * Turns the filter on or off.
     *
     * @param filter false to leave the header to the application
     */
    public void setFilter(boolean filter) {
        this.filter = filter;
    }
}
