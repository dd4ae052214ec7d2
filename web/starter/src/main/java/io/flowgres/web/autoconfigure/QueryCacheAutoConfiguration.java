package io.flowgres.web.autoconfigure;

import io.flowgres.Flowgres;
import io.flowgres.cache.InvalidationBroadcaster;
import io.flowgres.cache.PostgresInvalidations;
import io.flowgres.cache.QueryCache;
import io.flowgres.routing.WriterPositions;
import io.flowgres.web.cache.CacheAdmin;
import io.flowgres.web.cache.CacheProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * The query cache of a service: a {@link QueryCache} built from {@code flowgres.cache.*} (one that
 * caches nothing when the cache is off, so code can always wrap its reads), and the hook that lets
 * {@code POST /api/admin/caches/clear} empty it.
 */
@ConditionalOnFlowgresEnabled
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
public class QueryCacheAutoConfiguration {

    /** Creates the configuration. */
    public QueryCacheAutoConfiguration() {
    }

    /**
     * The link that sends and receives invalidations between instances, when the cache is on and
     * {@code flowgres.cache.notify} is not off.
     *
     * @param properties the Flowgres properties
     * @param flowgres the facade whose primary carries the notifications
     * @return the link, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty("flowgres.cache.enabled")
    @ConditionalOnBooleanProperty(name = "flowgres.cache.notify", matchIfMissing = true)
    public PostgresInvalidations flowgresCacheInvalidations(FlowgresProperties properties, Flowgres flowgres) {
        PostgresInvalidations.Builder builder = PostgresInvalidations.builder(flowgres);
        try {
            builder.reconnectDelay(properties.getCache().getReconnectDelay());
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.cache.reconnect-delay", e.getMessage(), e);
        }
        try {
            builder.heartbeat(properties.getCache().getHeartbeat());
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.cache.heartbeat", e.getMessage(), e);
        }
        return builder.build();
    }

    /**
     * The query cache; listening for other instances' invalidations when there is a link, and
     * handing its loads the writer's positions (unless {@code flowgres.cache.fill-on-replicas} is off).
     *
     * @param properties the Flowgres properties
     * @param flowgres the facade, whose registry gets the {@code flowgres.cache.*} meters
     * @param invalidations the link between instances, if any
     * @return the cache
     */
    @Bean
    @ConditionalOnMissingBean
    public QueryCache flowgresQueryCache(FlowgresProperties properties, Flowgres flowgres,
            ObjectProvider<PostgresInvalidations> invalidations) {
        CacheProperties cache = properties.getCache();
        PostgresInvalidations link = invalidations.getIfAvailable();
        QueryCache.Builder builder = QueryCache.builder().meterRegistry(flowgres.meterRegistry())
                .broadcaster(link != null ? link : InvalidationBroadcaster.NONE)
                .writerPositions(cache.isFillOnReplicas() ? flowgres.writerPositions() : WriterPositions.NONE);
        if (cache.isEnabled()) {
            for (String query : cache.getQueries().keySet()) {
                try {
                    builder.cache(query, cache.policy(query));
                } catch (IllegalArgumentException e) {
                    throw new InvalidFlowgresPropertyException("flowgres.cache.queries[" + query + "]",
                            e.getMessage(), e);
                }
            }
        }
        QueryCache built = builder.build();
        if (link != null && !built.queries().isEmpty()) {
            link.listen(built);
        }
        return built;
    }

    /**
     * Lets the admin endpoint clear every cached query.
     *
     * @param cache the cache
     * @return the hook
     */
    @Bean
    @ConditionalOnMissingBean(name = "flowgresQueryCacheAdmin")
    public CacheAdmin flowgresQueryCacheAdmin(QueryCache cache) {
        return () -> Mono.fromRunnable(cache::clearAll);
    }
}
