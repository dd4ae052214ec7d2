package io.flowgres.cache;

import java.time.Duration;

import io.flowgres.internal.Checks;

/**
 * How one query's results are cached: whether at all, for how long after they were loaded
 * ({@link #ttl()}), and how many entries at most ({@link #maximumSize()}, least useful evicted
 * first). Caching is opt-in: a query without a policy in its {@link QueryCache} is never cached.
 *
 * <p>The TTL bounds staleness only for changes that nobody declared (a write outside the service, an
 * invalidation lost while no listener ran); declared writes remove entries at once through tags.
 */
public final class CachePolicy {

    /** Default time an entry lives after it was loaded. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(1);
    /** Default maximum number of entries of one query. */
    public static final long DEFAULT_MAXIMUM_SIZE = 10_000;
    /** Caching is on by default once a query has a policy. */
    public static final boolean DEFAULT_ENABLED = true;

    private static final CachePolicy DEFAULTS = builder().build();

    private final boolean enabled;
    private final Duration ttl;
    private final long maximumSize;

    private CachePolicy(Builder builder) {
        this.enabled = builder.enabled;
        this.ttl = builder.ttl;
        this.maximumSize = builder.maximumSize;
    }

    /** A new builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default policy: enabled, one minute TTL, 10,000 entries. */
    public static CachePolicy defaults() {
        return DEFAULTS;
    }

    /** Whether the query is cached; a disabled query always runs its loader. */
    public boolean enabled() {
        return enabled;
    }

    /** How long an entry lives after its load completed. */
    public Duration ttl() {
        return ttl;
    }

    /** The maximum number of entries; beyond it, Caffeine evicts the least useful. */
    public long maximumSize() {
        return maximumSize;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CachePolicy that && enabled == that.enabled && ttl.equals(that.ttl)
                && maximumSize == that.maximumSize;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(enabled) * 31 * 31 + ttl.hashCode() * 31 + Long.hashCode(maximumSize);
    }

    @Override
    public String toString() {
        return "CachePolicy{enabled=" + enabled + ", ttl=" + ttl + ", maximumSize=" + maximumSize + "}";
    }

    /** Builds a {@link CachePolicy}. Not thread-safe. */
    public static final class Builder {

        private boolean enabled = DEFAULT_ENABLED;
        private Duration ttl = DEFAULT_TTL;
        private long maximumSize = DEFAULT_MAXIMUM_SIZE;

        private Builder() {
        }

        /**
         * Turns caching of the query on or off (default on).
         *
         * @param enabled whether results are cached
         * @return this builder
         */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /**
         * Sets how long an entry lives after it was loaded.
         *
         * @param ttl positive (default {@link #DEFAULT_TTL})
         * @return this builder
         * @throws IllegalArgumentException when not positive
         */
        public Builder ttl(Duration ttl) {
            this.ttl = Checks.positive(ttl, "ttl");
            return this;
        }

        /**
         * Sets the maximum number of entries.
         *
         * @param maximumSize at least 1 (default {@link #DEFAULT_MAXIMUM_SIZE})
         * @return this builder
         * @throws IllegalArgumentException when below 1
         */
        public Builder maximumSize(long maximumSize) {
            Checks.argument(maximumSize >= 1, "maximumSize must be at least 1, was %s", maximumSize);
            this.maximumSize = maximumSize;
            return this;
        }

        /** Builds the policy; every value was checked when set. */
        public CachePolicy build() {
            return new CachePolicy(this);
        }
    }
}
