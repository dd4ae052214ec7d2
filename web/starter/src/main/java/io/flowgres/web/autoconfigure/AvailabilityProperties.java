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

    /** Good probes in a row that bring an unreachable node back (1 to 10). */
    private int returnAfterProbes = AvailabilityPolicy.DEFAULT_RETURN_AFTER_PROBES;

    /** How long the primary must be unreachable before writes follow a promoted replica (zero or more). */
    private Duration failoverAfter = AvailabilityPolicy.DEFAULT_FAILOVER_AFTER;

    /** The shortest silence before a node is checked for liveness. */
    private Duration silenceFloor = AvailabilityPolicy.DEFAULT_SILENCE_FLOOR;

    /** The longest silence between liveness checks; at least the floor. */
    private Duration silenceCeiling = AvailabilityPolicy.DEFAULT_SILENCE_CEILING;

    /**
     * Whether replica reads are hedged after the replicas' recent p95 latency; flowgres.routing.hedge-after
     * sets a fixed delay instead.
     */
    private boolean adaptiveHedging = true;

    /** The shortest adaptive hedge delay. */
    private Duration hedgeFloor = AvailabilityPolicy.DEFAULT_HEDGE_FLOOR;

    /** The longest adaptive hedge delay; at least the floor, at most 1m. */
    private Duration hedgeCeiling = AvailabilityPolicy.DEFAULT_HEDGE_CEILING;

    /** Whether each node has an adaptive concurrency limit that refuses excess work at once. */
    private boolean concurrencyLimits = true;

    /** The highest concurrency limit of a node (1 to 100000). */
    private int maxConcurrency = AvailabilityPolicy.DEFAULT_MAX_CONCURRENCY;

    /**
     * How long writes wait for a restarting primary (connections refused or ended by its shutdown),
     * from when it was found down, instead of failing; 0 never waits. A hung primary is never waited for.
     */
    private Duration restartHold = AvailabilityPolicy.DEFAULT_RESTART_HOLD;

    /** The good probes that bring a node back. */
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

    /** The failover delay. */
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

    /** The shortest silence before a liveness check. */
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

    /** The longest silence between liveness checks. */
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

    /** Whether adaptive hedging is on. */
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

    /** The shortest hedge delay. */
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

    /** The longest hedge delay. */
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

    /** Whether the per-node concurrency limits are on. */
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

    /** The highest per-node concurrency limit. */
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

    /** How long writes wait for a restarting primary. */
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
