package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.r2dbc.spi.ValidationDepth;
import org.jspecify.annotations.Nullable;

/** Pool settings that override a preset; unset ones keep the preset's (or the cluster's) value. */
public class PoolOverrideProperties {

    /** Overrides the connections opened at start (zero or more, at most the maximum size). */
    private @Nullable Integer initialSize;

    /** Overrides the most connections (1 to 1000). */
    private @Nullable Integer maxSize;

    /** Overrides the bound on waiting for a pooled connection; past it the caller gets a timeout error. */
    private @Nullable Duration maxAcquireTime;

    /** Overrides the idle time after which a connection above the initial size is closed. */
    private @Nullable Duration maxIdleTime;

    /** Overrides the age after which a connection is replaced. */
    private @Nullable Duration maxLifeTime;

    /** Overrides the bound on opening one new connection. */
    private @Nullable Duration maxCreateConnectionTime;

    /** Overrides how many callers may wait for a connection at once (at least 1); more fail at once. */
    private @Nullable Integer maxPendingAcquires;

    /**
     * Overrides how an idle connection is checked before it is handed out: {@code local} (the client's
     * view, no round trip) or {@code remote} (a round trip, which also catches connections dropped
     * quietly by the server or a firewall).
     */
    private @Nullable ValidationDepth validationDepth;

    /** The idle time override, or null. */
    public @Nullable Duration getMaxIdleTime() {
        return maxIdleTime;
    }

    /**
     * Overrides the idle time after which a connection is closed.
     *
     * @param maxIdleTime positive
     */
    public void setMaxIdleTime(@Nullable Duration maxIdleTime) {
        this.maxIdleTime = maxIdleTime;
    }

    /** The lifetime override, or null. */
    public @Nullable Duration getMaxLifeTime() {
        return maxLifeTime;
    }

    /**
     * Overrides the age after which a connection is replaced.
     *
     * @param maxLifeTime positive
     */
    public void setMaxLifeTime(@Nullable Duration maxLifeTime) {
        this.maxLifeTime = maxLifeTime;
    }

    /** The connection-opening bound override, or null. */
    public @Nullable Duration getMaxCreateConnectionTime() {
        return maxCreateConnectionTime;
    }

    /**
     * Overrides the bound on opening one new connection.
     *
     * @param maxCreateConnectionTime positive
     */
    public void setMaxCreateConnectionTime(@Nullable Duration maxCreateConnectionTime) {
        this.maxCreateConnectionTime = maxCreateConnectionTime;
    }

    /** The waiting callers override, or null. */
    public @Nullable Integer getMaxPendingAcquires() {
        return maxPendingAcquires;
    }

    /**
     * Overrides how many callers may wait for a connection at once.
     *
     * @param maxPendingAcquires at least 1
     */
    public void setMaxPendingAcquires(@Nullable Integer maxPendingAcquires) {
        this.maxPendingAcquires = maxPendingAcquires;
    }

    /** The validation depth override, or null. */
    public @Nullable ValidationDepth getValidationDepth() {
        return validationDepth;
    }

    /**
     * Overrides how an idle connection is checked before it is handed out.
     *
     * @param validationDepth local or remote
     */
    public void setValidationDepth(@Nullable ValidationDepth validationDepth) {
        this.validationDepth = validationDepth;
    }

    /** Whether any setting is overridden. */
    public boolean isSet() {
        return initialSize != null || maxSize != null || maxAcquireTime != null || maxIdleTime != null
                || maxLifeTime != null || maxCreateConnectionTime != null || maxPendingAcquires != null
                || validationDepth != null;
    }

    /** The initial size override, or null. */
    public @Nullable Integer getInitialSize() {
        return initialSize;
    }

    /**
     * Overrides the preset's initial size.
     *
     * @param initialSize connections opened at start
     */
    public void setInitialSize(@Nullable Integer initialSize) {
        this.initialSize = initialSize;
    }

    /** The maximum size override, or null. */
    public @Nullable Integer getMaxSize() {
        return maxSize;
    }

    /**
     * Overrides the preset's maximum size.
     *
     * @param maxSize most connections
     */
    public void setMaxSize(@Nullable Integer maxSize) {
        this.maxSize = maxSize;
    }

    /** The acquire timeout override, or null. */
    public @Nullable Duration getMaxAcquireTime() {
        return maxAcquireTime;
    }

    /**
     * Overrides the preset's acquire timeout.
     *
     * @param maxAcquireTime positive
     */
    public void setMaxAcquireTime(@Nullable Duration maxAcquireTime) {
        this.maxAcquireTime = maxAcquireTime;
    }
}
