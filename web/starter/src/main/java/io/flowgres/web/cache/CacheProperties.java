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

    /** Whether query results are cached at all (opt-in). */
    private boolean enabled;

    /** The time to live of cached results of queries that set none. */
    private Duration ttl = CachePolicy.DEFAULT_TTL;

    /** The maximum entries cached for each query that sets none (at least 1). */
    private long maximumSize = CachePolicy.DEFAULT_MAXIMUM_SIZE;

    /**
     * Whether invalidations are sent to and received from other instances through PostgreSQL NOTIFY on
     * the primary. Turn it off only for a single instance.
     */
    private boolean notify = true;

    /** The first delay before the invalidation listener reconnects after losing its connection, doubling to 30s. */
    private Duration reconnectDelay = Duration.ofSeconds(1);

    /**
     * How often the invalidation listener's connection proves it is alive, and how long it may take: a
     * silent connection suspends the cache within two of these.
     */
    private Duration heartbeat = PostgresInvalidations.DEFAULT_HEARTBEAT;

    /**
     * Whether cache fills may read on replicas: each load is given the writer's position from a probe
     * round begun after the latest invalidation of its tags, and a replica serves it only once it has
     * replayed that far. Off: every load is given a writer-only token, so fills read on the primary.
     */
    private boolean fillOnReplicas = true;

    /** The cached queries by name, each with optional overrides (enabled, ttl, maximum-size). */
    private final Map<String, Query> queries = new LinkedHashMap<>();

    /** Whether results are cached. */
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

    /** Whether fills may read on replicas that have replayed every invalidated write. */
    public boolean isFillOnReplicas() {
        return fillOnReplicas;
    }

    /**
     * Lets fills read on replicas, or keeps them on the primary.
     *
     * @param fillOnReplicas whether fills may read on replicas
     */
    public void setFillOnReplicas(boolean fillOnReplicas) {
        this.fillOnReplicas = fillOnReplicas;
    }

    /** The shared TTL. */
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

    /** The shared maximum size. */
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

    /** Whether invalidations travel between instances. */
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

    /** The first reconnect delay. */
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

    /** The listener's heartbeat. */
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

    /** The cached queries by name. */
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

        /** Whether this query is cached (true once listed). */
        private boolean enabled = true;

        /** This query's TTL; unset uses the shared one. */
        private @Nullable Duration ttl;

        /** This query's maximum entries; unset uses the shared value. */
        private @Nullable Long maximumSize;

        /** Whether this query is cached. */
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
