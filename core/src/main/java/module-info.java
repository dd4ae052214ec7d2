/**
 * Flowgres core: reactive, non-blocking data access for a PostgreSQL primary and its streaming
 * replicas. Only the API packages are exported; the engine ({@code io.flowgres.internal.*}) is
 * not, so applications cannot come to depend on it.
 */
module io.flowgres.core {
    exports io.flowgres;
    exports io.flowgres.query;
    exports io.flowgres.cluster;
    exports io.flowgres.routing;
    exports io.flowgres.health;
    exports io.flowgres.metrics;
    exports io.flowgres.cache;
    exports io.flowgres.r2dbc;

    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires transitive r2dbc.spi;
    requires transitive micrometer.core;
    requires transitive micrometer.observation;
    requires r2dbc.pool;
    requires reactor.pool;
    requires r2dbc.postgresql;
    requires io.netty.common;
    requires io.github.resilience4j.core;
    requires transitive io.github.resilience4j.circuitbreaker;
    requires io.github.resilience4j.micrometer;
    requires transitive com.github.benmanes.caffeine;
    requires concurrency.limits.core;
    requires org.slf4j;
    requires static transitive org.jspecify;
}
