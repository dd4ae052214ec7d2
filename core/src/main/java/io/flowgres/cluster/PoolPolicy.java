package io.flowgres.cluster;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import io.flowgres.internal.Checks;
import io.r2dbc.spi.ValidationDepth;

/**
 * Sizing and bounds of one node's R2DBC connection pool.
 *
 * <p>Every wait is bounded: r2dbc-pool's own defaults wait forever for a connection and queue
 * without limit, which turns an overload into a silent pile-up. Here a caller gets a connection
 * within {@link #maxAcquireTime()} or a clear timeout error, and at most
 * {@link #maxPendingAcquires()} callers may wait at once; the rest fail at once.
 *
 * <p>Named presets match the environments a service runs in: {@link #development()} (1-5),
 * {@link #test()} (1-3), {@link #staging()} (5-20), {@link #production()} (10-30) and
 * {@link #highLoad()} (20-50 connections); {@link #preset(String)} selects one by name.
 */
public final class PoolPolicy {

    /** Default bound on waiting for a pooled connection. */
    public static final Duration DEFAULT_MAX_ACQUIRE_TIME = Duration.ofSeconds(2);
    /** Default bound on opening a new connection. */
    public static final Duration DEFAULT_MAX_CREATE_CONNECTION_TIME = Duration.ofSeconds(5);
    /** Default lifetime after which a connection is replaced. */
    public static final Duration DEFAULT_MAX_LIFE_TIME = Duration.ofMinutes(30);
    /** Default number of callers that may wait for a connection at once. */
    public static final int DEFAULT_MAX_PENDING_ACQUIRES = 1000;

    private static final PoolPolicy DEVELOPMENT = builder().initialSize(1).maxSize(5).maxIdleTime(Duration.ofMinutes(5))
            .build();
    private static final PoolPolicy TEST = builder().initialSize(1).maxSize(3).maxIdleTime(Duration.ofMinutes(1)).build();
    private static final PoolPolicy STAGING = builder().initialSize(5).maxSize(20).maxIdleTime(Duration.ofMinutes(10))
            .build();
    private static final PoolPolicy PRODUCTION = builder().initialSize(10).maxSize(30)
            .maxIdleTime(Duration.ofMinutes(10)).build();
    private static final PoolPolicy HIGH_LOAD = builder().initialSize(20).maxSize(50).maxIdleTime(Duration.ofMinutes(5))
            .build();
    private static final Map<String, PoolPolicy> PRESETS = Map.of("development", DEVELOPMENT, "test", TEST, "staging",
            STAGING, "production", PRODUCTION, "high-load", HIGH_LOAD);

    private final int initialSize;
    private final int maxSize;
    private final Duration maxIdleTime;
    private final Duration maxLifeTime;
    private final Duration maxAcquireTime;
    private final Duration maxCreateConnectionTime;
    private final int maxPendingAcquires;
    private final ValidationDepth validationDepth;

    private PoolPolicy(Builder builder) {
        this.initialSize = builder.initialSize;
        this.maxSize = builder.maxSize;
        this.maxIdleTime = builder.maxIdleTime;
        this.maxLifeTime = builder.maxLifeTime;
        this.maxAcquireTime = builder.maxAcquireTime;
        this.maxCreateConnectionTime = builder.maxCreateConnectionTime;
        this.maxPendingAcquires = builder.maxPendingAcquires;
        this.validationDepth = builder.validationDepth;
    }

    /** A new builder, starting from the {@link #production()} preset's values. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new builder starting from this policy's values, to override a preset.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder().initialSize(initialSize).maxSize(maxSize).maxIdleTime(maxIdleTime).maxLifeTime(maxLifeTime)
                .maxAcquireTime(maxAcquireTime).maxCreateConnectionTime(maxCreateConnectionTime)
                .maxPendingAcquires(maxPendingAcquires).validationDepth(validationDepth);
    }

    /** The library default: the {@link #production()} preset. */
    public static PoolPolicy defaults() {
        return PRODUCTION;
    }

    /** 1 to 5 connections, idle ones closed after 5 minutes. */
    public static PoolPolicy development() {
        return DEVELOPMENT;
    }

    /** 1 to 3 connections, idle ones closed after a minute. */
    public static PoolPolicy test() {
        return TEST;
    }

    /** 5 to 20 connections, idle ones closed after 10 minutes. */
    public static PoolPolicy staging() {
        return STAGING;
    }

    /** 10 to 30 connections, idle ones closed after 10 minutes. */
    public static PoolPolicy production() {
        return PRODUCTION;
    }

    /** 20 to 50 connections, idle ones closed after 5 minutes. */
    public static PoolPolicy highLoad() {
        return HIGH_LOAD;
    }

    /**
     * Selects a preset by name: {@code development}, {@code test}, {@code staging},
     * {@code production} or {@code high-load} (case-insensitive).
     *
     * @param name the preset's name
     * @return the preset
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static PoolPolicy preset(String name) {
        Checks.notNull(name, "pool preset");
        PoolPolicy preset = PRESETS.get(name.trim().toLowerCase(Locale.ROOT).replace('_', '-'));
        Checks.argument(preset != null,
                "pool preset must be one of development, test, staging, production, high-load, was '%s'", name);
        return preset;
    }

    /** Connections opened when the pool starts. */
    public int initialSize() {
        return initialSize;
    }

    /** Most connections the pool holds. */
    public int maxSize() {
        return maxSize;
    }

    /** Idle time after which a connection above the initial size is closed. */
    public Duration maxIdleTime() {
        return maxIdleTime;
    }

    /** Age after which a connection is replaced. */
    public Duration maxLifeTime() {
        return maxLifeTime;
    }

    /** Bound on waiting for a connection; past it the caller gets a timeout error. */
    public Duration maxAcquireTime() {
        return maxAcquireTime;
    }

    /** Bound on opening one new connection. */
    public Duration maxCreateConnectionTime() {
        return maxCreateConnectionTime;
    }

    /** Most callers that may wait for a connection at once; more fail at once. */
    public int maxPendingAcquires() {
        return maxPendingAcquires;
    }

    /**
     * How an idle connection is checked before it is handed out: {@link ValidationDepth#LOCAL} (the
     * default: the client's view of the connection, no round trip) or {@link ValidationDepth#REMOTE}
     * (a round trip to the server, which also catches a connection the server or a firewall dropped
     * quietly, at one round trip per acquire).
     */
    public ValidationDepth validationDepth() {
        return validationDepth;
    }

    @Override
    public String toString() {
        return "PoolPolicy{size=" + initialSize + ".." + maxSize + ", maxIdleTime=" + maxIdleTime + ", maxLifeTime="
                + maxLifeTime + ", maxAcquireTime=" + maxAcquireTime + ", maxCreateConnectionTime="
                + maxCreateConnectionTime + ", maxPendingAcquires=" + maxPendingAcquires + ", validationDepth="
                + validationDepth + "}";
    }

    /** Builds a {@link PoolPolicy}. Not thread-safe. */
    public static final class Builder {

        private int initialSize = 10;
        private int maxSize = 30;
        private Duration maxIdleTime = Duration.ofMinutes(10);
        private Duration maxLifeTime = DEFAULT_MAX_LIFE_TIME;
        private Duration maxAcquireTime = DEFAULT_MAX_ACQUIRE_TIME;
        private Duration maxCreateConnectionTime = DEFAULT_MAX_CREATE_CONNECTION_TIME;
        private int maxPendingAcquires = DEFAULT_MAX_PENDING_ACQUIRES;
        private ValidationDepth validationDepth = ValidationDepth.LOCAL;

        private Builder() {
        }

        /**
         * Sets the connections opened at start.
         *
         * @param initialSize zero or more, at most {@code maxSize} (checked by {@link #build()})
         * @return this builder
         */
        public Builder initialSize(int initialSize) {
            Checks.argument(initialSize >= 0, "initialSize must be >= 0, was %s", initialSize);
            this.initialSize = initialSize;
            return this;
        }

        /**
         * Sets the most connections.
         *
         * @param maxSize 1 to 1000
         * @return this builder
         */
        public Builder maxSize(int maxSize) {
            Checks.argument(maxSize >= 1 && maxSize <= 1000, "maxSize must be between 1 and 1000, was %s", maxSize);
            this.maxSize = maxSize;
            return this;
        }

        /**
         * Sets the idle time after which a connection is closed.
         *
         * @param maxIdleTime positive
         * @return this builder
         */
        public Builder maxIdleTime(Duration maxIdleTime) {
            this.maxIdleTime = Checks.positive(maxIdleTime, "maxIdleTime");
            return this;
        }

        /**
         * Sets the age after which a connection is replaced.
         *
         * @param maxLifeTime positive
         * @return this builder
         */
        public Builder maxLifeTime(Duration maxLifeTime) {
            this.maxLifeTime = Checks.positive(maxLifeTime, "maxLifeTime");
            return this;
        }

        /**
         * Sets the bound on waiting for a connection.
         *
         * @param maxAcquireTime positive
         * @return this builder
         */
        public Builder maxAcquireTime(Duration maxAcquireTime) {
            this.maxAcquireTime = Checks.positive(maxAcquireTime, "maxAcquireTime");
            return this;
        }

        /**
         * Sets the bound on opening a connection.
         *
         * @param maxCreateConnectionTime positive
         * @return this builder
         */
        public Builder maxCreateConnectionTime(Duration maxCreateConnectionTime) {
            this.maxCreateConnectionTime = Checks.positive(maxCreateConnectionTime, "maxCreateConnectionTime");
            return this;
        }

        /**
         * Sets how many callers may wait for a connection at once.
         *
         * @param maxPendingAcquires at least 1
         * @return this builder
         */
        public Builder maxPendingAcquires(int maxPendingAcquires) {
            Checks.argument(maxPendingAcquires >= 1, "maxPendingAcquires must be >= 1, was %s", maxPendingAcquires);
            this.maxPendingAcquires = maxPendingAcquires;
            return this;
        }

        /**
         * Sets how an idle connection is checked before it is handed out (see
         * {@link PoolPolicy#validationDepth()}).
         *
         * @param validationDepth local or remote
         * @return this builder
         */
        public Builder validationDepth(ValidationDepth validationDepth) {
            this.validationDepth = Checks.notNull(validationDepth, "validationDepth");
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         * @throws IllegalStateException when {@code initialSize > maxSize}
         */
        public PoolPolicy build() {
            Checks.state(initialSize <= maxSize, "initialSize must be <= maxSize, was initialSize=%s, maxSize=%s",
                    initialSize, maxSize);
            return new PoolPolicy(this);
        }
    }
}
