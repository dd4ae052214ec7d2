package io.flowgres.web.cache;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.flowgres.cache.CachePolicy;
import io.flowgres.cache.PostgresInvalidations;
import org.jspecify.annotations.Nullable;

/**
 * The {@code flowgres.cache.*} settings: off unless {@code enabled}; then every query named under
 * {@code queries} is cached with the shared {@code ttl} and {@code maximum-size} unless it overrides
 * them, and invalidations travel between instances by {@code LISTEN}/{@code NOTIFY} unless
 * {@code notify} is off.
 *
 * <pre>
 * flowgres.cache.enabled=true
 * flowgres.cache.ttl=1m
 * flowgres.cache.queries[orders.byId].ttl=30s
 * flowgres.cache.queries[customers.byId].enabled=true
 * </pre>
 *
 * No query is listed by default: the application names the ones worth caching.
 */
public class CacheProperties {

    private boolean enabled;
    private Duration ttl = CachePolicy.DEFAULT_TTL;
    private long maximumSize = CachePolicy.DEFAULT_MAXIMUM_SIZE;
    private boolean notify = true;
    private Duration reconnectDelay = Duration.ofSeconds(1);
    private Duration heartbeat = PostgresInvalidations.DEFAULT_HEARTBEAT;
    private final Map<String, Query> queries = new LinkedHashMap<>();

    /** Whether results are cached at all (default false: opt-in). */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Turns the cache on or off.
     *
     * @param enabled whether results are cached
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The TTL of queries that set none (default 1 min). */
    public Duration getTtl() {
        return ttl;
    }

    /**
     * Sets the shared TTL.
     *
     * @param ttl positive
     */
    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    /** The maximum entries of each query that sets none (default 10,000). */
    public long getMaximumSize() {
        return maximumSize;
    }

    /**
     * Sets the shared maximum size.
     *
     * @param maximumSize at least 1
     */
    public void setMaximumSize(long maximumSize) {
        this.maximumSize = maximumSize;
    }

    /**
     * Whether invalidations are sent to and received from other instances through PostgreSQL
     * {@code NOTIFY} on the primary (default true). Turn it off only for a single instance.
     */
    public boolean isNotify() {
        return notify;
    }

    /**
     * Sets whether invalidations travel between instances.
     *
     * @param notify whether to {@code LISTEN} and {@code NOTIFY}
     */
    public void setNotify(boolean notify) {
        this.notify = notify;
    }

    /** The first delay before the listener reconnects after losing its connection (default 1 s, doubling to 30 s). */
    public Duration getReconnectDelay() {
        return reconnectDelay;
    }

    /**
     * Sets the first reconnect delay.
     *
     * @param reconnectDelay positive
     */
    public void setReconnectDelay(Duration reconnectDelay) {
        this.reconnectDelay = reconnectDelay;
    }

    /**
     * How often the listener connection proves it is alive, and how long it may take (default 1 s):
     * a silent connection suspends the cache within two of these.
     */
    public Duration getHeartbeat() {
        return heartbeat;
    }

    /**
     * Sets the listener's heartbeat.
     *
     * @param heartbeat positive
     */
    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    /** The cached queries by name, each with optional overrides. */
    public Map<String, Query> getQueries() {
        return queries;
    }

    /**
     * The policy of one listed query: its overrides over the shared values.
     *
     * @param name the query's name
     * @return the policy
     * @throws IllegalArgumentException naming the bad value
     */
    public CachePolicy policy(String name) {
        Query query = queries.get(name);
        CachePolicy.Builder builder = CachePolicy.builder().ttl(ttl).maximumSize(maximumSize);
        if (query != null) {
            builder.enabled(query.isEnabled());
            if (query.getTtl() != null) {
                builder.ttl(query.getTtl());
            }
            if (query.getMaximumSize() != null) {
                builder.maximumSize(query.getMaximumSize());
            }
        }
        return builder.build();
    }

    /** One query's overrides. */
    public static class Query {

        private boolean enabled = true;
        private @Nullable Duration ttl;
        private @Nullable Long maximumSize;

        /** Whether this query is cached (default true once listed). */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Turns this query's caching on or off.
         *
         * @param enabled whether it is cached
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** This query's TTL, or null for the shared one. */
        public @Nullable Duration getTtl() {
            return ttl;
        }

        /**
         * Sets this query's TTL.
         *
         * @param ttl positive, or null for the shared one
         */
        public void setTtl(@Nullable Duration ttl) {
            this.ttl = ttl;
        }

        /** This query's maximum size, or null for the shared one. */
        public @Nullable Long getMaximumSize() {
            return maximumSize;
        }

        /**
         * Sets this query's maximum size.
         *
         * @param maximumSize at least 1, or null for the shared one
         */
        public void setMaximumSize(@Nullable Long maximumSize) {
            this.maximumSize = maximumSize;
        }
    }
}
