package io.flowgres.internal.node;

import java.util.concurrent.atomic.AtomicReference;

import io.flowgres.cluster.RoutingPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The live health of one node as routing sees it, lock-free: two immutable snapshots behind
 * {@link AtomicReference}s, each replaced whole by a pure transition.
 *
 * <ul>
 *   <li>{@link Latency}: a peak-sensitive moving average and a plain, faster typical latency, fed by
 *       every answered query and probe,
 *       and consecutive failures with ejection (exponential, capped);</li>
 *   <li>{@link Probe}: what the prober last found: reachable, in recovery, replay position, lag,
 *       and the hysteresis that keeps a lagging replica from flapping in and out of rotation.</li>
 * </ul>
 *
 * <p>Times are nanoseconds of the caller's clock (the pipeline's scheduler), so tests drive them
 * by hand. Only the prober writes {@link Probe}; queries and probes write {@link Latency}.
 */
public final class NodeHealth {

    /** How many times faster than the peak-sensitive average the typical latency forgets. */
    static final double TYPICAL_SPEEDUP = 10;

    private final RoutingPolicy policy;
    private final int returnAfterProbes;
    private final AtomicReference<Latency> latency;
    private final AtomicReference<Probe> probe;

    /**
     * Creates the health of a node that has not been measured yet.
     *
     * @param policy the routing settings (default latency, decay, ejection, lag bounds)
     * @param returnAfterProbes good probes in a row that bring an unreachable node back
     * @param nowNanos the clock's current time
     */
    public NodeHealth(RoutingPolicy policy, int returnAfterProbes, long nowNanos) {
        this.policy = policy;
        this.returnAfterProbes = returnAfterProbes;
        this.probe = new AtomicReference<>(Probe.unprobed(nowNanos));
        double initial = policy.defaultRtt().toNanos();
        this.latency = new AtomicReference<>(new Latency(initial, initial, nowNanos, 0, 0, 0, 0));
    }

    /**
     * The latency average and the failure/ejection counters, as one immutable value.
     *
     * @param ewmaNanos the peak-sensitive average
     * @param typicalNanos a plain average with a tenth of the peak-sensitive one's decay time
     * @param stampNanos when the average was last fed
     * @param consecutiveFailures node failures since the last success
     * @param ejections ejections since the node last stayed healthy
     * @param ejectedUntilNanos when the current ejection ends
     * @param lastEjectionEndNanos when the latest ejection ended or ends
     */
    public record Latency(double ewmaNanos, double typicalNanos, long stampNanos, int consecutiveFailures,
            int ejections, long ejectedUntilNanos, long lastEjectionEndNanos) {

        /**
         * Feeds one sample: above the average it replaces it at once (peak-sensitive), below it the
         * average decays towards it with weight {@code e^(-Δt/τ)}. The typical latency moves towards
         * every sample alike, with weight {@code e^(-10Δt/τ)}: at a few hundred queries a second a
         * single peak moves it by a fraction of a percent of the peak.
         */
        Latency sample(long sampleNanos, long nowNanos, long decayNanos) {
            double elapsed = Math.max(0, nowNanos - stampNanos);
            double average;
            if (sampleNanos > ewmaNanos) {
                average = sampleNanos;
            } else {
                double weight = Math.exp(-elapsed / decayNanos);
                average = ewmaNanos * weight + sampleNanos * (1 - weight);
            }
            double typicalWeight = Math.exp(-elapsed * TYPICAL_SPEEDUP / decayNanos);
            double typical = typicalNanos * typicalWeight + sampleNanos * (1 - typicalWeight);
            return new Latency(average, typical, Math.max(stampNanos, nowNanos), consecutiveFailures, ejections,
                    ejectedUntilNanos, lastEjectionEndNanos);
        }

        /** A success ends the run of failures; a long healthy spell resets the ejection count. */
        Latency success(long nowNanos, long maxEjectionNanos) {
            boolean rested = ejections > 0 && nowNanos - lastEjectionEndNanos > maxEjectionNanos
                    && nowNanos >= ejectedUntilNanos;
            if (consecutiveFailures == 0 && !rested) {
                return this;
            }
            return new Latency(ewmaNanos, typicalNanos, stampNanos, 0, rested ? 0 : ejections, ejectedUntilNanos,
                    lastEjectionEndNanos);
        }

        /** A node failure; the n-th in a row ejects for {@code base × 2^ejections}, capped. */
        Latency failure(long nowNanos, int ejectAfter, long baseNanos, long maxNanos) {
            int failures = consecutiveFailures + 1;
            if (failures < ejectAfter || nowNanos < ejectedUntilNanos) {
                return new Latency(ewmaNanos, typicalNanos, stampNanos, failures, ejections, ejectedUntilNanos,
                        lastEjectionEndNanos);
            }
            long until = nowNanos + Math.min(maxNanos, baseNanos << Math.min(ejections, 20));
            return new Latency(ewmaNanos, typicalNanos, stampNanos, 0, ejections + 1, until, until);
        }
    }

    /**
     * What the prober last found.
     *
     * @param probed whether any probe has finished
     * @param reachable whether the last probe reached the node
     * @param inRecovery what the last successful probe said of recovery, or {@code null} before one
     * @param replayLsn the standby's replay position, or -1
     * @param lagBytes bytes behind the primary, as last known
     * @param lagSeconds seconds behind the primary (grows while the lag cannot be measured)
     * @param lagKnown whether the last probe could measure the lag against the primary
     * @param lagging whether the node is out of rotation for lag (hysteresis)
     * @param lastProbeNanos when the last probe finished
     * @param behindSinceNanos since when bytes have been outstanding without a break, or -1
     * @param lagKnownAtNanos when the lag was last measured
     * @param rttNanos the last probe's round trip, or -1 when it failed
     * @param failure a short reason when the last probe failed, else {@code null}
     * @param goodInRow good probes since the node was last found unreachable
     * @param downSinceNanos when the node was found unreachable, while it is
     * @param knownLagSeconds the time lag at its last measurement
     */
    public record Probe(boolean probed, boolean reachable, @Nullable Boolean inRecovery, long replayLsn,
            long lagBytes, double lagSeconds, boolean lagKnown, boolean lagging, long lastProbeNanos,
            long behindSinceNanos, long lagKnownAtNanos, long rttNanos, @Nullable String failure, int goodInRow,
            long downSinceNanos, double knownLagSeconds) {

        /** Before any probe: reachable, no lag, and an unknown lag counted from the node's creation. */
        static Probe unprobed(long now) {
            return new Probe(false, true, null, -1, 0, 0, true, false, 0, -1, now, -1, null, Integer.MAX_VALUE, 0, 0);
        }

        /**
         * A successful probe whose lag was measured against the primary of the same round.
         *
         * <p>Time lag counts only while bytes are outstanding, so an idle primary never makes a
         * caught-up replica look stale. It is the smaller of the age of the last replayed commit and
         * how long the replica has been behind without a break: the first alone would call a replica
         * minutes stale the instant a write follows a long idle spell.
         */
        Probe measured(boolean recovery, long replay, long bytes, double replayAgeSeconds, long rtt, long now,
                RoutingPolicy policy, int returnAfter) {
            return measured(recovery, replay, bytes, replayAgeSeconds, rtt, now, policy, returnAfter, true);
        }

        /**
         * A successful probe of a standby measured against the writer's last known position, while the
         * writer itself could not be probed: judged as {@link #measured}, but reported as not known
         * against a live writer.
         */
        Probe measuredAgainstLastPosition(long replay, long bytes, double replayAgeSeconds, long rtt, long now,
                RoutingPolicy policy, int returnAfter) {
            return measured(true, replay, bytes, replayAgeSeconds, rtt, now, policy, returnAfter, false);
        }

        private Probe measured(boolean recovery, long replay, long bytes, double replayAgeSeconds, long rtt, long now,
                RoutingPolicy policy, int returnAfter, boolean writerAnswered) {
            double seconds = 0;
            long behindSince = -1;
            if (bytes > 0) {
                behindSince = behindSinceNanos < 0 ? now : behindSinceNanos;
                double behind = (now - behindSince) / 1e9;
                seconds = Double.isNaN(replayAgeSeconds) ? behind : Math.min(Math.max(0, replayAgeSeconds), behind);
            }
            int good = goodInRow == Integer.MAX_VALUE ? goodInRow : goodInRow + 1;
            return new Probe(true, reachable || good >= returnAfter, recovery, replay, bytes, seconds, writerAnswered,
                    judge(lagging, seconds, bytes, policy), now, behindSince, now, rtt, null, good, downSinceNanos,
                    seconds);
        }

        /**
         * A successful probe of a standby while no primary could be probed: the lag is unknown, so
         * it is never guessed as zero. The last known lag stands and its time part grows by the time
         * since it was measured, so a replica whose lag stays unknown longer than the bound leaves
         * rotation.
         */
        Probe unmeasured(boolean recovery, long replay, long rtt, long now, RoutingPolicy policy, int returnAfter) {
            // From the last measurement, not from the last (already grown) figure: never compounded.
            double seconds = knownLagSeconds + Math.max(0, now - lagKnownAtNanos) / 1e9;
            int good = goodInRow == Integer.MAX_VALUE ? goodInRow : goodInRow + 1;
            return new Probe(true, reachable || good >= returnAfter, recovery, replay, lagBytes, seconds, false,
                    judge(lagging, seconds, lagBytes, policy), now, behindSinceNanos, lagKnownAtNanos, rtt, null,
                    good, downSinceNanos, knownLagSeconds);
        }

        /** A probe that failed or timed out: the node is down until enough probes in a row succeed. */
        Probe failed(long now, String reason) {
            return new Probe(true, false, inRecovery, replayLsn, lagBytes, lagSeconds, lagKnown, lagging, now,
                    behindSinceNanos, lagKnownAtNanos, -1, reason, 0, reachable ? now : downSinceNanos,
                    knownLagSeconds);
        }

        private static boolean judge(boolean wasLagging, double seconds, long bytes, RoutingPolicy policy) {
            boolean over = seconds > policy.maxLag().toNanos() / 1e9 || bytes > policy.maxLagBytes();
            boolean under = seconds <= policy.returnLag().toNanos() / 1e9 && bytes <= policy.returnLagBytes();
            return wasLagging ? !under : over;
        }
    }

    /**
     * Feeds one latency sample.
     *
     * @param sampleNanos the round trip of a query or probe
     * @param nowNanos the clock's current time
     */
    public void recordLatency(long sampleNanos, long nowNanos) {
        long decay = policy.ewmaDecay().toNanos();
        latency.updateAndGet(current -> current.sample(sampleNanos, nowNanos, decay));
    }

    /**
     * Records a query that succeeded: the run of failures ends.
     *
     * @param nowNanos the clock's current time
     */
    public void recordSuccess(long nowNanos) {
        long max = policy.maxEjection().toNanos();
        latency.updateAndGet(current -> current.success(nowNanos, max));
    }

    /**
     * Records a query that failed because of the node; enough in a row eject it.
     *
     * @param nowNanos the clock's current time
     */
    public void recordFailure(long nowNanos) {
        int after = policy.ejectAfterFailures();
        long base = policy.baseEjection().toNanos();
        long max = policy.maxEjection().toNanos();
        latency.updateAndGet(current -> current.failure(nowNanos, after, base, max));
    }

    /**
     * Records a successful probe whose lag was measured against the primary.
     *
     * @param inRecovery whether the node is a standby
     * @param replayLsn the replay position of a standby, or -1
     * @param lagBytes bytes the standby is behind the primary (0 for the primary)
     * @param replayAgeSeconds seconds since the last replayed commit, or {@code NaN} when unknown
     * @param rttNanos the probe's round trip
     * @param nowNanos the clock's current time
     */
    public void recordProbe(boolean inRecovery, long replayLsn, long lagBytes, double replayAgeSeconds, long rttNanos,
            long nowNanos) {
        probe.updateAndGet(current -> current.measured(inRecovery, replayLsn, lagBytes, replayAgeSeconds, rttNanos,
                nowNanos, policy, returnAfterProbes));
        recordLatency(rttNanos, nowNanos);
    }

    /**
     * Records a successful probe of a standby while the primary could not be probed: lag unknown.
     *
     * @param replayLsn the standby's replay position
     * @param rttNanos the probe's round trip
     * @param nowNanos the clock's current time
     */
    public void recordProbeWithoutPrimary(long replayLsn, long rttNanos, long nowNanos) {
        probe.updateAndGet(current -> current.unmeasured(true, replayLsn, rttNanos, nowNanos, policy, returnAfterProbes));
        recordLatency(rttNanos, nowNanos);
    }

    /**
     * Records a successful probe of a standby while the writer could not be probed, measured against
     * the writer's last known position ({@link io.flowgres.cluster.LagWithoutWriter#LAST_WRITER_POSITION}).
     *
     * @param replayLsn the standby's replay position
     * @param lagBytes bytes the standby is behind the writer's last known position
     * @param replayAgeSeconds seconds since the last replayed commit, or {@code NaN} when unknown
     * @param rttNanos the probe's round trip
     * @param nowNanos the clock's current time
     */
    public void recordProbeAgainstLastPosition(long replayLsn, long lagBytes, double replayAgeSeconds, long rttNanos,
            long nowNanos) {
        probe.updateAndGet(current -> current.measuredAgainstLastPosition(replayLsn, lagBytes, replayAgeSeconds,
                rttNanos, nowNanos, policy, returnAfterProbes));
        recordLatency(rttNanos, nowNanos);
    }

    /**
     * Records a probe that failed or timed out.
     *
     * @param nowNanos the clock's current time
     * @param reason a short, safe reason ({@code timeout}, {@code connection failed})
     */
    public void recordProbeFailure(long nowNanos, String reason) {
        probe.updateAndGet(current -> current.failed(nowNanos, reason));
    }

    /** The latency and failure figures now. */
    public Latency latency() {
        return latency.get();
    }

    /** The prober's last findings. */
    public Probe probe() {
        return probe.get();
    }

    /** The latency average in nanoseconds, as of its last sample. */
    public double ewmaNanos() {
        return latency.get().ewmaNanos();
    }

    /** The typical latency in nanoseconds (a plain, faster average), as of its last sample. */
    public double typicalNanos() {
        return latency.get().typicalNanos();
    }

    /**
     * Whether the node is serving an ejection now.
     *
     * @param nowNanos the clock's current time
     * @return {@code true} while ejected
     */
    public boolean isEjected(long nowNanos) {
        return nowNanos < latency.get().ejectedUntilNanos();
    }
}
