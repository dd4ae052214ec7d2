package io.flowgres.web.cache;

import io.flowgres.Flowgres;
import io.flowgres.cache.InvalidationBroadcaster;
import io.flowgres.cache.QueryCache;
import io.flowgres.web.admin.CacheAdmin;
import io.flowgres.web.autoconfigure.FlowgresAutoConfiguration;
import io.flowgres.web.autoconfigure.FlowgresProperties;
import io.flowgres.web.autoconfigure.InvalidFlowgresPropertyException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * The query cache of a service: a {@link QueryCache} built from {@code flowgres.cache.*} (one that
 * caches nothing when the cache is off, so code can always wrap its reads), and the hook that lets
 * {@code POST /api/admin/caches/clear} empty it.
 */
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
public class QueryCacheAutoConfiguration {

    /** Creates the configuration. */
    public QueryCacheAutoConfiguration() {
    }

    /**
     * The query cache.
     *
     * @param properties the Flowgres properties
     * @param flowgres the facade, whose registry gets the {@code flowgres.cache.*} meters
     * @return the cache
     */
    @Bean
    @ConditionalOnMissingBean
    public QueryCache flowgresQueryCache(FlowgresProperties properties, Flowgres flowgres) {
        CacheProperties cache = properties.getCache();
        QueryCache.Builder builder = QueryCache.builder().meterRegistry(flowgres.meterRegistry())
                .broadcaster(InvalidationBroadcaster.NONE);
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
        return builder.build();
    }

    /**
     * Lets the admin endpoint clear every cached query.
     *
     * @param cache the cache
     * @return the hook
     */
    @Bean
    public CacheAdmin flowgresQueryCacheAdmin(QueryCache cache) {
        return () -> Mono.fromRunnable(cache::clearAll);
    }
}
