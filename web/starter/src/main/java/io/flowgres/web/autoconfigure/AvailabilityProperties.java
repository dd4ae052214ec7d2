package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.flowgres.cluster.AvailabilityPolicy;

/**
 * The {@code flowgres.availability.*} settings: how fast sick nodes leave and healthy ones return,
 * failover to a promoted replica, liveness checks of silent nodes, adaptive hedging and the
 * per-node concurrency limits. Every default is {@link AvailabilityPolicy}'s.
 *
 * <pre>
 * flowgres.availability.failover-after=2s
 * flowgres.availability.adaptive-hedging=false
 * flowgres.availability.max-concurrency=500
 * </pre>
 */
public class AvailabilityProperties {

    private int returnAfterProbes = AvailabilityPolicy.DEFAULT_RETURN_AFTER_PROBES;
    private Duration failoverAfter = AvailabilityPolicy.DEFAULT_FAILOVER_AFTER;
    private Duration silenceFloor = AvailabilityPolicy.DEFAULT_SILENCE_FLOOR;
    private Duration silenceCeiling = AvailabilityPolicy.DEFAULT_SILENCE_CEILING;
    private boolean adaptiveHedging = true;
    private Duration hedgeFloor = AvailabilityPolicy.DEFAULT_HEDGE_FLOOR;
    private Duration hedgeCeiling = AvailabilityPolicy.DEFAULT_HEDGE_CEILING;
    private boolean concurrencyLimits = true;
    private int maxConcurrency = AvailabilityPolicy.DEFAULT_MAX_CONCURRENCY;
    private Duration restartHold = AvailabilityPolicy.DEFAULT_RESTART_HOLD;

    /** Good probes in a row that bring an unreachable node back (1-10, default 2). */
    public int getReturnAfterProbes() {
        return returnAfterProbes;
    }

    /**
     * Sets the good probes in a row that bring an unreachable node back.
     *
     * @param returnAfterProbes 1 to 10
     */
    public void setReturnAfterProbes(int returnAfterProbes) {
        this.returnAfterProbes = returnAfterProbes;
    }

    /** How long the primary must be unreachable before writes follow a promoted replica (default 2s). */
    public Duration getFailoverAfter() {
        return failoverAfter;
    }

    /**
     * Sets the failover delay.
     *
     * @param failoverAfter zero or more
     */
    public void setFailoverAfter(Duration failoverAfter) {
        this.failoverAfter = failoverAfter;
    }

    /** The shortest silence before a node is checked for liveness (default 50ms). */
    public Duration getSilenceFloor() {
        return silenceFloor;
    }

    /**
     * Sets the shortest silence before a liveness check.
     *
     * @param silenceFloor positive
     */
    public void setSilenceFloor(Duration silenceFloor) {
        this.silenceFloor = silenceFloor;
    }

    /** The longest silence between liveness checks (default 1s). */
    public Duration getSilenceCeiling() {
        return silenceCeiling;
    }

    /**
     * Sets the longest silence between liveness checks.
     *
     * @param silenceCeiling at least the floor
     */
    public void setSilenceCeiling(Duration silenceCeiling) {
        this.silenceCeiling = silenceCeiling;
    }

    /** Whether replica reads are hedged after the replicas' recent p95 latency (default true). */
    public boolean isAdaptiveHedging() {
        return adaptiveHedging;
    }

    /**
     * Turns adaptive hedging on or off; {@code flowgres.routing.hedge-after} sets a fixed delay instead.
     *
     * @param adaptiveHedging whether to hedge
     */
    public void setAdaptiveHedging(boolean adaptiveHedging) {
        this.adaptiveHedging = adaptiveHedging;
    }

    /** The shortest adaptive hedge delay (default 5ms). */
    public Duration getHedgeFloor() {
        return hedgeFloor;
    }

    /**
     * Sets the shortest adaptive hedge delay.
     *
     * @param hedgeFloor positive
     */
    public void setHedgeFloor(Duration hedgeFloor) {
        this.hedgeFloor = hedgeFloor;
    }

    /** The longest adaptive hedge delay (default 250ms). */
    public Duration getHedgeCeiling() {
        return hedgeCeiling;
    }

    /**
     * Sets the longest adaptive hedge delay.
     *
     * @param hedgeCeiling at least the floor, at most 1m
     */
    public void setHedgeCeiling(Duration hedgeCeiling) {
        this.hedgeCeiling = hedgeCeiling;
    }

    /** Whether each node has an adaptive concurrency limit that refuses excess work at once (default true). */
    public boolean isConcurrencyLimits() {
        return concurrencyLimits;
    }

    /**
     * Turns the per-node concurrency limits on or off.
     *
     * @param concurrencyLimits whether to limit
     */
    public void setConcurrencyLimits(boolean concurrencyLimits) {
        this.concurrencyLimits = concurrencyLimits;
    }

    /** The highest concurrency limit of a node (default 1000). */
    public int getMaxConcurrency() {
        return maxConcurrency;
    }

    /**
     * Sets the highest concurrency limit of a node.
     *
     * @param maxConcurrency 1 to 100000
     */
    public void setMaxConcurrency(int maxConcurrency) {
        this.maxConcurrency = maxConcurrency;
    }

    /**
     * How long writes wait for a restarting primary (connections refused or ended by its shutdown),
     * from when it was found down, instead of failing (default 3s; 0 never waits). A hung primary is
     * never waited for.
     */
    public Duration getRestartHold() {
        return restartHold;
    }

    /**
     * Sets how long writes wait for a restarting primary.
     *
     * @param restartHold zero or more
     */
    public void setRestartHold(Duration restartHold) {
        this.restartHold = restartHold;
    }

    /** The policy these settings describe; a bad value fails naming its setting. */
    AvailabilityPolicy toPolicy() {
        return AvailabilityPolicy.builder()
                .returnAfterProbes(returnAfterProbes)
                .failoverAfter(failoverAfter)
                .silence(silenceFloor, silenceCeiling)
                .adaptiveHedging(adaptiveHedging)
                .hedgeBounds(hedgeFloor, hedgeCeiling)
                .concurrencyLimits(concurrencyLimits)
                .maxConcurrency(maxConcurrency)
                .restartHold(restartHold)
                .build();
    }
}
