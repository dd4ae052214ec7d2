package io.flowgres.cluster;

import java.time.Duration;

import io.flowgres.internal.Checks;

/**
 * How fast Flowgres takes a sick node out and brings a healthy one back, how it follows a promoted
 * primary, and how it sheds load it cannot serve.
 *
 * <ul>
 *   <li><b>Prober verdicts.</b> A node the prober sees unreachable is out of rotation at once; for
 *       the writer, writes fail fast from that moment. It returns after
 *       {@link #returnAfterProbes()} good probes in a row.</li>
 *   <li><b>Restarts.</b> A writer that went away as a restarting server does (its connections
 *       refused or ended by a shutdown, not timing out) is waited for: for {@link #restartHold()}
 *       after it was found down, writes wait for it to answer again (within their deadline) instead
 *       of failing, so a restart costs latency, not errors. A hung writer is never waited for.</li>
 *   <li><b>Failover.</b> When the writer has been unreachable for {@link #failoverAfter()} and
 *       exactly one other node is out of recovery, writes go there. A node that comes back out of
 *       recovery while another one takes the writes is fenced (never two writers) and reported as
 *       split brain.</li>
 *   <li><b>Silent nodes.</b> An attempt that has heard nothing from its node for a window derived
 *       from the node's latency average ({@value #SILENCE_FACTOR} × the average, at least
 *       {@link #silenceFloor()}, at most {@link #silenceCeiling()}) has the node checked on its own
 *       probe connection: a node that answers is working on a slow query, and the window doubles;
 *       a node that does not answer within the probe timeout is hung, and the attempt ends at once
 *       so that a read retries elsewhere.</li>
 *   <li><b>Adaptive hedging</b> (on by default): a replica read unanswered after the replicas'
 *       recent 95th percentile latency, bounded by {@link #hedgeFloor()} and
 *       {@link #hedgeCeiling()}, also starts on another replica. A fixed
 *       {@link RoutingPolicy#hedgeAfter()} takes precedence. Either delay counts from when the read
 *       reached its server: a read waiting for its own node's connection while that node answers
 *       other work is not hedged (that wait is this client's saturation).</li>
 *   <li><b>Concurrency limits</b> (on by default): each node has an adaptive limit (Netflix
 *       concurrency-limits' Gradient2) in front of its pool, never below the pool's size and never
 *       above {@link #maxConcurrency()}; work beyond it is refused in microseconds instead of
 *       waiting for a connection, tried at once on another eligible node, and answered as
 *       unavailable when no node has room.</li>
 * </ul>
 */
public final class AvailabilityPolicy {

    /** How many latency averages of silence open the first liveness check. */
    public static final int SILENCE_FACTOR = 8;
    /** Default good probes in a row that bring a node back. */
    public static final int DEFAULT_RETURN_AFTER_PROBES = 2;
    /** Default time the writer must be unreachable before writes follow a promoted node. */
    public static final Duration DEFAULT_FAILOVER_AFTER = Duration.ofSeconds(2);
    /** Default shortest silence before a liveness check. */
    public static final Duration DEFAULT_SILENCE_FLOOR = Duration.ofMillis(50);
    /** Default longest silence between liveness checks. */
    public static final Duration DEFAULT_SILENCE_CEILING = Duration.ofSeconds(1);
    /**
     * Default shortest adaptive hedge delay: a read sent to a replica in the first moment of a freeze (before
     * the balancer sees it stall) waits at least this long, so it sits near a healthy read's tail. At 5 ms the
     * chaos plan's open-model reads on a replica frozen 300 ms of every second had a p99 of 6.0-6.3 ms against
     * 3.2-4.1 ms healthy; at 2 ms, 4.6 against 3.2 (load-tests/README.md).
     */
    public static final Duration DEFAULT_HEDGE_FLOOR = Duration.ofMillis(2);
    /** Default longest adaptive hedge delay. */
    public static final Duration DEFAULT_HEDGE_CEILING = Duration.ofMillis(250);
    /** Default highest concurrency limit of a node. */
    public static final int DEFAULT_MAX_CONCURRENCY = 1000;
    /** Default time writes wait for a restarting writer, from when it was found down. */
    public static final Duration DEFAULT_RESTART_HOLD = Duration.ofSeconds(3);

    private static final AvailabilityPolicy DEFAULTS = builder().build();

    private final int returnAfterProbes;
    private final Duration failoverAfter;
    private final Duration silenceFloor;
    private final Duration silenceCeiling;
    private final boolean adaptiveHedging;
    private final Duration hedgeFloor;
    private final Duration hedgeCeiling;
    private final boolean concurrencyLimits;
    private final int maxConcurrency;
    private final Duration restartHold;

    private AvailabilityPolicy(Builder builder) {
        this.returnAfterProbes = builder.returnAfterProbes;
        this.failoverAfter = builder.failoverAfter;
        this.silenceFloor = builder.silenceFloor;
        this.silenceCeiling = builder.silenceCeiling;
        this.adaptiveHedging = builder.adaptiveHedging;
        this.hedgeFloor = builder.hedgeFloor;
        this.hedgeCeiling = builder.hedgeCeiling;
        this.concurrencyLimits = builder.concurrencyLimits;
        this.maxConcurrency = builder.maxConcurrency;
        this.restartHold = builder.restartHold;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: every mechanism on, with the {@code DEFAULT_*} values. */
    public static AvailabilityPolicy defaults() {
        return DEFAULTS;
    }

    /** Good probes in a row that bring an unreachable node back. */
    public int returnAfterProbes() {
        return returnAfterProbes;
    }

    /** How long the writer must be unreachable before writes follow a promoted node. */
    public Duration failoverAfter() {
        return failoverAfter;
    }

    /** The shortest silence before a liveness check. */
    public Duration silenceFloor() {
        return silenceFloor;
    }

    /** The longest silence between liveness checks. */
    public Duration silenceCeiling() {
        return silenceCeiling;
    }

    /** Whether replica reads are hedged after an adaptive delay when no fixed delay is set. */
    public boolean adaptiveHedging() {
        return adaptiveHedging;
    }

    /** The shortest adaptive hedge delay. */
    public Duration hedgeFloor() {
        return hedgeFloor;
    }

    /** The longest adaptive hedge delay. */
    public Duration hedgeCeiling() {
        return hedgeCeiling;
    }

    /** Whether each node has an adaptive concurrency limit. */
    public boolean concurrencyLimits() {
        return concurrencyLimits;
    }

    /** The highest concurrency limit of a node. */
    public int maxConcurrency() {
        return maxConcurrency;
    }

    /**
     * How long, from when a restarting writer was found down, writes wait for it instead of failing;
     * zero when they never wait.
     */
    public Duration restartHold() {
        return restartHold;
    }

    @Override
    public String toString() {
        return "AvailabilityPolicy{returnAfterProbes=" + returnAfterProbes + ", failoverAfter=" + failoverAfter
                + ", silence=" + silenceFloor + ".." + silenceCeiling + ", adaptiveHedging=" + adaptiveHedging
                + "(" + hedgeFloor + ".." + hedgeCeiling + "), concurrencyLimits=" + concurrencyLimits
                + "(max " + maxConcurrency + "), restartHold=" + restartHold + "}";
    }

    /** Builds an {@link AvailabilityPolicy}. Not thread-safe. */
    public static final class Builder {

        private int returnAfterProbes = DEFAULT_RETURN_AFTER_PROBES;
        private Duration failoverAfter = DEFAULT_FAILOVER_AFTER;
        private Duration silenceFloor = DEFAULT_SILENCE_FLOOR;
        private Duration silenceCeiling = DEFAULT_SILENCE_CEILING;
        private boolean adaptiveHedging = true;
        private Duration hedgeFloor = DEFAULT_HEDGE_FLOOR;
        private Duration hedgeCeiling = DEFAULT_HEDGE_CEILING;
        private boolean concurrencyLimits = true;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private Duration restartHold = DEFAULT_RESTART_HOLD;

        private Builder() {
        }

        /**
         * Sets how long, from when a restarting writer was found down, writes wait for it to answer
         * again instead of failing (never past their deadline).
         *
         * @param hold zero (never wait) or more (default 3 s)
         * @return this builder
         */
        public Builder restartHold(Duration hold) {
            this.restartHold = Checks.notNegative(hold, "restartHold");
            return this;
        }

        /**
         * Sets how many good probes in a row bring an unreachable node back.
         *
         * @param probes 1 to 10 (default {@value #DEFAULT_RETURN_AFTER_PROBES})
         * @return this builder
         */
        public Builder returnAfterProbes(int probes) {
            Checks.argument(probes >= 1 && probes <= 10, "returnAfterProbes must be 1 to 10, was %s", probes);
            this.returnAfterProbes = probes;
            return this;
        }

        /**
         * Sets how long the writer must be unreachable before writes follow a promoted node.
         *
         * @param delay zero or more (default 2 s)
         * @return this builder
         */
        public Builder failoverAfter(Duration delay) {
            this.failoverAfter = Checks.notNegative(delay, "failoverAfter");
            return this;
        }

        /**
         * Sets the bounds of the silence before a liveness check.
         *
         * @param floor the shortest, positive (default 50 ms)
         * @param ceiling the longest, at least the floor (default 1 s)
         * @return this builder
         */
        public Builder silence(Duration floor, Duration ceiling) {
            Checks.positive(floor, "silenceFloor");
            Checks.positive(ceiling, "silenceCeiling");
            Checks.argument(ceiling.compareTo(floor) >= 0, "silenceCeiling must be >= silenceFloor, was %s < %s",
                    ceiling, floor);
            this.silenceFloor = floor;
            this.silenceCeiling = ceiling;
            return this;
        }

        /**
         * Turns adaptive hedging on or off (a fixed {@link RoutingPolicy#hedgeAfter()} still applies).
         *
         * @param enabled whether to hedge (default true)
         * @return this builder
         */
        public Builder adaptiveHedging(boolean enabled) {
            this.adaptiveHedging = enabled;
            return this;
        }

        /**
         * Sets the bounds of the adaptive hedge delay.
         *
         * @param floor the shortest, positive (default 2 ms)
         * @param ceiling the longest, at least the floor and at most 1 minute (default 250 ms)
         * @return this builder
         */
        public Builder hedgeBounds(Duration floor, Duration ceiling) {
            Checks.positive(floor, "hedgeFloor");
            Checks.positive(ceiling, "hedgeCeiling");
            Checks.argument(ceiling.compareTo(floor) >= 0, "hedgeCeiling must be >= hedgeFloor, was %s < %s",
                    ceiling, floor);
            Checks.argument(ceiling.compareTo(Duration.ofMinutes(1)) <= 0, "hedgeCeiling must be <= 1m, was %s",
                    ceiling);
            this.hedgeFloor = floor;
            this.hedgeCeiling = ceiling;
            return this;
        }

        /**
         * Turns the per-node concurrency limits on or off.
         *
         * @param enabled whether to limit (default true)
         * @return this builder
         */
        public Builder concurrencyLimits(boolean enabled) {
            this.concurrencyLimits = enabled;
            return this;
        }

        /**
         * Sets the highest concurrency limit of a node.
         *
         * @param max 1 to 100,000 (default {@value #DEFAULT_MAX_CONCURRENCY})
         * @return this builder
         */
        public Builder maxConcurrency(int max) {
            Checks.argument(max >= 1 && max <= 100_000, "maxConcurrency must be 1 to 100000, was %s", max);
            this.maxConcurrency = max;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public AvailabilityPolicy build() {
            return new AvailabilityPolicy(this);
        }
    }
}
