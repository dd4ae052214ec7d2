package io.flowgres.cluster;

import io.flowgres.routing.Route;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.flowgres.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * How reads find a replica: how often nodes are probed, how much lag a replica may have before it
 * leaves rotation (and how little before it returns: hysteresis), how latency is averaged, when a
 * failing node is ejected, which queries are pinned to a route by name, and whether a slow replica
 * read is hedged on another replica.
 *
 * <p>Immutable; build with {@link #builder()}, or use {@link #defaults()}.
 */
public final class RoutingPolicy {

    /** Default interval between two probes of a node. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    /** Default bound on one probe. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Default time lag above which a replica leaves rotation. */
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(5);
    /** Default byte lag above which a replica leaves rotation (64 MiB). */
    public static final long DEFAULT_MAX_LAG_BYTES = 64L * 1024 * 1024;
    /** Default share of the bounds a lagging replica must get below to return. */
    public static final double DEFAULT_RETURN_RATIO = 0.5;
    /** Default latency assumed before the first sample. */
    public static final Duration DEFAULT_RTT = Duration.ofMillis(5);
    /** Default time constant of the latency average. */
    public static final Duration DEFAULT_EWMA_DECAY = Duration.ofSeconds(10);
    /** Default consecutive failures that eject a node. */
    public static final int DEFAULT_EJECT_AFTER_FAILURES = 5;
    /** Default first ejection. */
    public static final Duration DEFAULT_BASE_EJECTION = Duration.ofSeconds(1);
    /** Default longest ejection. */
    public static final Duration DEFAULT_MAX_EJECTION = Duration.ofSeconds(30);
    /** Default lag of a replica while the writer cannot be probed: unknown, and growing. */
    public static final LagWithoutWriter DEFAULT_LAG_WITHOUT_WRITER = LagWithoutWriter.GROWS;

    private static final RoutingPolicy DEFAULTS = builder().build();

    private final Duration probeInterval;
    private final Duration probeTimeout;
    private final Duration maxLag;
    private final long maxLagBytes;
    private final LagWithoutWriter lagWithoutWriter;
    private final double returnRatio;
    private final Duration defaultRtt;
    private final Duration ewmaDecay;
    private final int ejectAfterFailures;
    private final Duration baseEjection;
    private final Duration maxEjection;
    private final Map<String, Route> rules;
    private final @Nullable Duration hedgeAfter;

    private RoutingPolicy(Builder builder) {
        this.probeInterval = builder.probeInterval;
        this.probeTimeout = builder.probeTimeout;
        this.maxLag = builder.maxLag;
        this.maxLagBytes = builder.maxLagBytes;
        this.lagWithoutWriter = builder.lagWithoutWriter;
        this.returnRatio = builder.returnRatio;
        this.defaultRtt = builder.defaultRtt;
        this.ewmaDecay = builder.ewmaDecay;
        this.ejectAfterFailures = builder.ejectAfterFailures;
        this.baseEjection = builder.baseEjection;
        this.maxEjection = builder.maxEjection;
        this.rules = Map.copyOf(builder.rules);
        this.hedgeAfter = builder.hedgeAfter;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Probes every second, 5 s / 64 MiB lag bound returning below half, τ = 10 s, ejection after 5 failures. */
    public static RoutingPolicy defaults() {
        return DEFAULTS;
    }

    /** Interval between two probe rounds (a quarter of it while any node is down, so it returns soon). */
    public Duration probeInterval() {
        return probeInterval;
    }

    /** Bound on one probe; a probe that takes longer marks the node down. */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    public Duration maxLag() {
        return maxLag;
    }

    public long maxLagBytes() {
        return maxLagBytes;
    }

    /** What a replica's lag is taken to be while the writer cannot be probed. */
    public LagWithoutWriter lagWithoutWriter() {
        return lagWithoutWriter;
    }

    /** The share of the lag bounds a lagging replica must get below to return. */
    public double returnRatio() {
        return returnRatio;
    }

    public Duration returnLag() {
        return Duration.ofNanos((long) (maxLag.toNanos() * returnRatio));
    }

    public long returnLagBytes() {
        return (long) (maxLagBytes * returnRatio);
    }

    public Duration defaultRtt() {
        return defaultRtt;
    }

    public Duration ewmaDecay() {
        return ewmaDecay;
    }

    public int ejectAfterFailures() {
        return ejectAfterFailures;
    }

    public Duration baseEjection() {
        return baseEjection;
    }

    public Duration maxEjection() {
        return maxEjection;
    }

    /** Routes pinned by query name. */
    public Map<String, Route> rules() {
        return rules;
    }

    /**
     * The route a query name is pinned to.
     *
     * @param queryName the query's name
     * @return the pinned route, or {@code null}
     */
    public @Nullable Route ruleFor(String queryName) {
        return rules.get(queryName);
    }

    /**
     * How long a replica read may go without its first row, result or error before the same read is
     * started on a second node (a hedge) and the first to answer wins; {@code null} when reads are
     * not hedged (the default).
     */
    public @Nullable Duration hedgeAfter() {
        return hedgeAfter;
    }

    @Override
    public String toString() {
        return "RoutingPolicy{probe every " + probeInterval + " (timeout " + probeTimeout + "), maxLag=" + maxLag
                + "/" + maxLagBytes + "B (without writer: " + lagWithoutWriter + "), returnRatio=" + returnRatio
                + ", defaultRtt=" + defaultRtt + ", tau=" + ewmaDecay + ", eject after " + ejectAfterFailures + " for "
                + baseEjection + ".." + maxEjection
                + ", rules=" + rules + (hedgeAfter == null ? "" : ", hedge after " + hedgeAfter) + "}";
    }

    /** Builds a {@link RoutingPolicy}. Not thread-safe. */
    public static final class Builder {

        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        private Duration maxLag = DEFAULT_MAX_LAG;
        private long maxLagBytes = DEFAULT_MAX_LAG_BYTES;
        private LagWithoutWriter lagWithoutWriter = DEFAULT_LAG_WITHOUT_WRITER;
        private double returnRatio = DEFAULT_RETURN_RATIO;
        private Duration defaultRtt = DEFAULT_RTT;
        private Duration ewmaDecay = DEFAULT_EWMA_DECAY;
        private int ejectAfterFailures = DEFAULT_EJECT_AFTER_FAILURES;
        private Duration baseEjection = DEFAULT_BASE_EJECTION;
        private Duration maxEjection = DEFAULT_MAX_EJECTION;
        private final Map<String, Route> rules = new LinkedHashMap<>();
        private @Nullable Duration hedgeAfter;

        private Builder() {
        }

        /**
         * Sets the probe interval.
         *
         * @param interval at least 10 ms
         * @return this builder
         */
        public Builder probeInterval(Duration interval) {
            Checks.positive(interval, "probeInterval");
            Checks.argument(interval.toMillis() >= 10, "probeInterval must be >= 10ms, was %s", interval);
            this.probeInterval = interval;
            return this;
        }

        /**
         * Sets the bound on one probe.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder probeTimeout(Duration timeout) {
            this.probeTimeout = Checks.positive(timeout, "probeTimeout");
            return this;
        }

        /**
         * Sets the time lag above which a replica leaves rotation.
         *
         * @param maxLag positive
         * @return this builder
         */
        public Builder maxLag(Duration maxLag) {
            this.maxLag = Checks.positive(maxLag, "maxLag");
            return this;
        }

        /**
         * Sets the byte lag above which a replica leaves rotation.
         *
         * @param maxLagBytes positive
         * @return this builder
         */
        public Builder maxLagBytes(long maxLagBytes) {
            Checks.argument(maxLagBytes > 0, "maxLagBytes must be > 0, was %s", maxLagBytes);
            this.maxLagBytes = maxLagBytes;
            return this;
        }

        /**
         * Sets what a replica's lag is taken to be while the writer cannot be probed: unknown and
         * growing ({@link LagWithoutWriter#GROWS}, the default), or measured against the writer's last
         * known position ({@link LagWithoutWriter#LAST_WRITER_POSITION}), which keeps caught-up
         * replicas serving reads through a primary outage.
         *
         * @param lag not null
         * @return this builder
         */
        public Builder lagWithoutWriter(LagWithoutWriter lag) {
            this.lagWithoutWriter = Checks.notNull(lag, "lagWithoutWriter");
            return this;
        }

        /**
         * Sets the share of the bounds a lagging replica must get below to return.
         *
         * @param ratio in {@code (0, 1]}; 1 means no hysteresis
         * @return this builder
         */
        public Builder returnRatio(double ratio) {
            Checks.argument(ratio > 0 && ratio <= 1, "returnRatio must be in (0, 1], was %s", ratio);
            this.returnRatio = ratio;
            return this;
        }

        /**
         * Sets the latency assumed before the first sample.
         *
         * @param rtt positive
         * @return this builder
         */
        public Builder defaultRtt(Duration rtt) {
            this.defaultRtt = Checks.positive(rtt, "defaultRtt");
            return this;
        }

        /**
         * Sets the time constant τ of the latency average.
         *
         * @param tau positive
         * @return this builder
         */
        public Builder ewmaDecay(Duration tau) {
            this.ewmaDecay = Checks.positive(tau, "ewmaDecay");
            return this;
        }

        /**
         * Sets how many consecutive failures eject a node.
         *
         * @param failures at least 1
         * @return this builder
         */
        public Builder ejectAfterFailures(int failures) {
            Checks.argument(failures >= 1, "ejectAfterFailures must be >= 1, was %s", failures);
            this.ejectAfterFailures = failures;
            return this;
        }

        /**
         * Sets the first and the longest ejection.
         *
         * @param base positive
         * @param max at least {@code base}
         * @return this builder
         */
        public Builder ejection(Duration base, Duration max) {
            Checks.positive(base, "baseEjection");
            Checks.positive(max, "maxEjection");
            Checks.argument(max.compareTo(base) >= 0, "maxEjection must be >= baseEjection, was %s < %s", max, base);
            this.baseEjection = base;
            this.maxEjection = max;
            return this;
        }

        /**
         * Hedges replica reads: a read that has not answered (first row, empty result or error) after
         * this delay is also started on another node, and the first to answer wins while the other is
         * cancelled. It cuts the tail a stalled replica causes for the reads already sent to it, at the
         * price of duplicate work, which the retry budget bounds (a hedge is spent from it, so a sick
         * cluster is never sent twice its load). Pick a delay near the healthy p95 to p99 of reads.
         *
         * @param delay positive and at most one minute, or {@code null} to turn hedging off
         * @return this builder
         */
        public Builder hedgeAfter(@Nullable Duration delay) {
            if (delay != null) {
                Checks.positive(delay, "hedgeAfter");
                Checks.argument(delay.compareTo(Duration.ofMinutes(1)) <= 0, "hedgeAfter must be <= 1m, was %s",
                        delay);
            }
            this.hedgeAfter = delay;
            return this;
        }

        /**
         * Pins every query of this name to a route.
         *
         * @param queryName the query's name
         * @param route its route
         * @return this builder
         */
        public Builder rule(String queryName, Route route) {
            Checks.notNull(queryName, "queryName");
            Checks.argument(!queryName.isBlank(), "rule query name must not be blank");
            rules.put(queryName, Checks.notNull(route, "route"));
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         */
        public RoutingPolicy build() {
            return new RoutingPolicy(this);
        }
    }
}
