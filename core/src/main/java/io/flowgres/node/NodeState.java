package io.flowgres.node;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The live health of one node as routing sees it: a peak-sensitive moving average of latency fed
 * by every real query and probe, consecutive failures with ejection, and the last probe's findings
 * (reachable, in recovery, replay position, lag) with the hysteresis that keeps a lagging replica
 * from flapping in and out of rotation.
 *
 * <p>Thread-safe; every method is short and non-blocking. Times are nanoseconds from the owning
 * pipeline's clock, so tests drive them by hand.
 */
public final class NodeState {

    private final NodeTuning tuning;

    // Guarded by this: small critical sections, updated on every query completion.
    private double ewmaNanos;
    private long ewmaStampNanos;
    private int consecutiveFailures;
    private int ejections;
    private long ejectedUntilNanos;
    private long lastEjectionEndNanos;

    private volatile boolean probed;
    private volatile boolean reachable = true;
    private volatile @Nullable Boolean inRecovery;
    private volatile long replayLsn = -1;
    private volatile long lagBytes;
    private volatile double lagSeconds;
    private volatile boolean lagging;
    private volatile long lastProbeNanos;
    private long behindSinceNanos = -1;

    /**
     * Creates the state of a node that has not been measured yet.
     *
     * @param tuning the routing settings this state follows
     * @param nowNanos the clock's current time
     */
    public NodeState(NodeTuning tuning, long nowNanos) {
        this.tuning = tuning;
        this.ewmaNanos = tuning.defaultRtt().toNanos();
        this.ewmaStampNanos = nowNanos;
    }

    /**
     * Feeds one latency sample: above the average it replaces it at once (peak-sensitive), below it
     * the average decays towards it with weight {@code e^(-Δt/τ)}.
     *
     * @param sampleNanos the round trip of a query or probe
     * @param nowNanos the clock's current time
     */
    public synchronized void recordLatency(long sampleNanos, long nowNanos) {
        if (sampleNanos > ewmaNanos) {
            ewmaNanos = sampleNanos;
        } else {
            double elapsed = Math.max(0, nowNanos - ewmaStampNanos);
            double weight = Math.exp(-elapsed / tuning.ewmaDecay().toNanos());
            ewmaNanos = ewmaNanos * weight + sampleNanos * (1 - weight);
        }
        ewmaStampNanos = Math.max(ewmaStampNanos, nowNanos);
    }

    /**
     * Records a query that succeeded: the run of failures ends.
     *
     * @param nowNanos the clock's current time
     */
    public synchronized void recordSuccess(long nowNanos) {
        consecutiveFailures = 0;
        if (ejections > 0 && nowNanos - lastEjectionEndNanos > tuning.maxEjection().toNanos()
                && nowNanos >= ejectedUntilNanos) {
            ejections = 0; // healthy for a while: the next ejection starts short again
        }
    }

    /**
     * Records a query that failed because of the node; after {@code ejectAfterFailures} in a row the
     * node is ejected for {@code baseEjection × 2^(ejections so far)}, capped at {@code maxEjection}.
     *
     * @param nowNanos the clock's current time
     */
    public synchronized void recordFailure(long nowNanos) {
        consecutiveFailures++;
        if (consecutiveFailures >= tuning.ejectAfterFailures() && nowNanos >= ejectedUntilNanos) {
            long base = tuning.baseEjection().toNanos();
            long length = Math.min(tuning.maxEjection().toNanos(), base << Math.min(ejections, 20));
            ejectedUntilNanos = nowNanos + length;
            lastEjectionEndNanos = ejectedUntilNanos;
            ejections++;
            consecutiveFailures = 0;
        }
    }

    /**
     * Records a successful probe of a node and judges its lag.
     *
     * <p>Time lag counts only while bytes are outstanding, so an idle primary never makes a caught-up
     * replica look stale. It is the smaller of the age of the last replayed commit and how long the
     * replica has been behind without a break: the first alone would call a replica minutes stale the
     * instant a write follows a long idle spell.
     *
     * @param inRecovery whether the node is a standby
     * @param replayLsn the replay position of a standby, or -1
     * @param lagBytes bytes the standby is behind the primary (0 for the primary)
     * @param replayAgeSeconds seconds since the last replayed commit, or {@code NaN} when unknown
     * @param nowNanos the clock's current time
     */
    public synchronized void recordProbe(boolean inRecovery, long replayLsn, long lagBytes, double replayAgeSeconds,
            long nowNanos) {
        double lagSeconds = 0;
        if (lagBytes > 0) {
            if (behindSinceNanos < 0) {
                behindSinceNanos = nowNanos;
            }
            double behind = (nowNanos - behindSinceNanos) / 1e9;
            lagSeconds = Double.isNaN(replayAgeSeconds) ? behind : Math.min(Math.max(0, replayAgeSeconds), behind);
        } else {
            behindSinceNanos = -1;
        }
        this.inRecovery = inRecovery;
        this.replayLsn = replayLsn;
        this.lagBytes = lagBytes;
        this.lagSeconds = lagSeconds;
        this.reachable = true;
        this.probed = true;
        this.lastProbeNanos = nowNanos;
        boolean over = lagSeconds > tuning.maxLag().toNanos() / 1e9 || lagBytes > tuning.maxLagBytes();
        boolean under = lagSeconds <= tuning.returnLag().toNanos() / 1e9 && lagBytes <= tuning.returnLagBytes();
        if (!lagging && over) {
            lagging = true;
        } else if (lagging && under) {
            lagging = false;
        }
    }

    /**
     * Records a probe that failed or timed out: the node is down until a probe succeeds again.
     *
     * @param nowNanos the clock's current time
     */
    public void recordProbeFailure(long nowNanos) {
        this.reachable = false;
        this.probed = true;
        this.lastProbeNanos = nowNanos;
    }

    /** The latency average in nanoseconds, as of its last sample. */
    public synchronized double ewmaNanos() {
        return ewmaNanos;
    }

    /**
     * Whether the node is serving an ejection now.
     *
     * @param nowNanos the clock's current time
     * @return {@code true} while ejected
     */
    public synchronized boolean isEjected(long nowNanos) {
        return nowNanos < ejectedUntilNanos;
    }

    /** How many times the node was ejected since it last stayed healthy. */
    public synchronized int ejections() {
        return ejections;
    }

    /** Whether the last probe reached the node (true before the first probe). */
    public boolean isReachable() {
        return reachable;
    }

    /** Whether any probe has finished yet. */
    public boolean isProbed() {
        return probed;
    }

    /** What the last successful probe said of recovery, or {@code null} before one. */
    public @Nullable Boolean inRecovery() {
        return inRecovery;
    }

    /** The standby's last probed replay position, or -1. */
    public long replayLsn() {
        return replayLsn;
    }

    /** Bytes behind the primary at the last probe. */
    public long lagBytes() {
        return lagBytes;
    }

    /** Seconds behind the primary at the last probe (zero while no bytes were outstanding). */
    public double lagSeconds() {
        return lagSeconds;
    }

    /** Whether the node is out of rotation for lag (left above the bound, not yet back below the lower one). */
    public boolean isLagging() {
        return lagging;
    }

    /** When the last probe finished, on the pipeline's clock. */
    public long lastProbeNanos() {
        return lastProbeNanos;
    }

    /**
     * The age of the last probe.
     *
     * @param nowNanos the clock's current time
     * @return how long ago it finished
     */
    public Duration probeAge(long nowNanos) {
        return Duration.ofNanos(Math.max(0, nowNanos - lastProbeNanos));
    }
}
