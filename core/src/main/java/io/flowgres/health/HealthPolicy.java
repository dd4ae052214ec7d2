package io.flowgres.health;

import java.time.Duration;

import io.flowgres.internal.Checks;

/**
 * How a {@link HealthMonitor} checks and caches: how often it re-checks in the background, how
 * long a report may be served before a request triggers a re-check, how long one check may take,
 * and how far a replica may lag before it counts as degraded.
 */
public final class HealthPolicy {

    /** Default age after which {@link HealthMonitor#quick()} asks for a fresh check. */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(10);
    /** Default interval of background checks. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);
    /** Default bound on one node's check; the whole check is bounded by twice this. */
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);
    /** Default replication lag, in WAL bytes, beyond which a replica is degraded. */
    public static final long DEFAULT_MAX_REPLICA_LAG_BYTES = 16L * 1024 * 1024;

    private static final HealthPolicy DEFAULTS = builder().build();

    private final Duration cacheTtl;
    private final Duration refreshInterval;
    private final Duration checkTimeout;
    private final long maxReplicaLagBytes;

    private HealthPolicy(Builder builder) {
        this.cacheTtl = builder.cacheTtl;
        this.refreshInterval = builder.refreshInterval;
        this.checkTimeout = builder.checkTimeout;
        this.maxReplicaLagBytes = builder.maxReplicaLagBytes;
    }

    /** The defaults: 10 s TTL, 5 s refresh, 2 s check timeout, 16 MiB replica lag. */
    public static HealthPolicy defaults() {
        return DEFAULTS;
    }

    /** A new builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Age after which a cached report is stale and a quick read triggers a re-check. */
    public Duration cacheTtl() {
        return cacheTtl;
    }

    /** Interval of background checks. */
    public Duration refreshInterval() {
        return refreshInterval;
    }

    /** Bound on one node's check. */
    public Duration checkTimeout() {
        return checkTimeout;
    }

    /** Replication lag, in bytes of WAL not yet replayed, beyond which a replica is degraded. */
    public long maxReplicaLagBytes() {
        return maxReplicaLagBytes;
    }

    @Override
    public String toString() {
        return "HealthPolicy{cacheTtl=" + cacheTtl + ", refreshInterval=" + refreshInterval + ", checkTimeout="
                + checkTimeout + ", maxReplicaLagBytes=" + maxReplicaLagBytes + "}";
    }

    /** Builds a {@link HealthPolicy}. Not thread-safe. */
    public static final class Builder {

        private Duration cacheTtl = DEFAULT_CACHE_TTL;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;
        private long maxReplicaLagBytes = DEFAULT_MAX_REPLICA_LAG_BYTES;

        private Builder() {
        }

        /**
         * Sets the cache TTL.
         *
         * @param cacheTtl positive
         * @return this builder
         */
        public Builder cacheTtl(Duration cacheTtl) {
            this.cacheTtl = Checks.positive(cacheTtl, "cacheTtl");
            return this;
        }

        /**
         * Sets the background refresh interval.
         *
         * @param refreshInterval positive, at most the cache TTL (checked by {@link #build()})
         * @return this builder
         */
        public Builder refreshInterval(Duration refreshInterval) {
            this.refreshInterval = Checks.positive(refreshInterval, "refreshInterval");
            return this;
        }

        /**
         * Sets the bound on one node's check.
         *
         * @param checkTimeout positive
         * @return this builder
         */
        public Builder checkTimeout(Duration checkTimeout) {
            this.checkTimeout = Checks.positive(checkTimeout, "checkTimeout");
            return this;
        }

        /**
         * Sets the replication lag beyond which a replica is degraded.
         *
         * @param maxReplicaLagBytes zero or more bytes
         * @return this builder
         */
        public Builder maxReplicaLagBytes(long maxReplicaLagBytes) {
            Checks.argument(maxReplicaLagBytes >= 0, "maxReplicaLagBytes must be >= 0, was %s", maxReplicaLagBytes);
            this.maxReplicaLagBytes = maxReplicaLagBytes;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         * @throws IllegalStateException when the refresh interval exceeds the cache TTL, which would
         *         let every quick read find a stale report
         */
        public HealthPolicy build() {
            Checks.state(refreshInterval.compareTo(cacheTtl) <= 0,
                    "refreshInterval must be <= cacheTtl, was refreshInterval=%s, cacheTtl=%s", refreshInterval,
                    cacheTtl);
            return new HealthPolicy(this);
        }
    }
}
