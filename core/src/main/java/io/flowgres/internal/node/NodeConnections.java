package io.flowgres.internal.node;

import java.time.Duration;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.R2dbcNonTransientResourceException;

/**
 * The one place that turns configuration into R2DBC objects: a node's driver connection factory
 * (URL, credentials, connect timeout, application name, prepared-statement cache), its query pool
 * and its single-connection probe pool. The cache's dedicated LISTEN connection is built here too,
 * for whichever node takes writes now.
 */
public final class NodeConnections {

    private NodeConnections() {
    }

    /**
     * A driver connection factory for one node, unpooled.
     *
     * @param cluster credentials, application name and statement cache size
     * @param node the node's URL
     * @param connectTimeout the bound on opening a connection
     * @param applicationName the {@code application_name} the server shows
     * @return the factory
     */
    public static ConnectionFactory factory(ClusterConfig cluster, NodeConfig node, Duration connectTimeout,
            String applicationName) {
        ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.parse(node.url()).mutate()
                .option(ConnectionFactoryOptions.USER, cluster.username())
                .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, connectTimeout)
                .option(PostgresqlConnectionFactoryProvider.APPLICATION_NAME, applicationName)
                .option(PostgresqlConnectionFactoryProvider.PREPARED_STATEMENT_CACHE_QUERIES,
                        cluster.statementCacheSize());
        String password = cluster.password();
        if (password != null) {
            options.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        return ConnectionFactories.get(options.build());
    }

    /**
     * The node's query pool: sizes and lifetimes from its pool policy, no acquire retry of its own
     * (retries are the pipeline's: the pool's would multiply with them).
     *
     * @param factory the node's driver factory
     * @param node the node, for the pool's name
     * @param policy the node's pool policy
     * @param observer hears the pool's events, for metrics
     * @return the pool, opening connections lazily
     */
    public static ConnectionPool queryPool(ConnectionFactory factory, NodeConfig node, PoolPolicy policy,
            PoolObserver observer) {
        return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .name("flowgres-" + node.name())
                .initialSize(policy.initialSize())
                .maxSize(policy.maxSize())
                .maxIdleTime(policy.maxIdleTime())
                .maxLifeTime(policy.maxLifeTime())
                // No maxAcquireTime: Node.acquire bounds the wait on the node's sweeps, where the pool's own
                // bound scheduled and cancelled a timer per acquire.
                .maxCreateConnectionTime(policy.maxCreateConnectionTime())
                .acquireRetry(0)
                .validationDepth(policy.validationDepth())
                .metricsRecorder(observer)
                .customizer(builder -> builder.maxPendingAcquire(policy.maxPendingAcquires()))
                .build());
    }

    /**
     * The node's probe pool: one connection of its own, so that a saturated query pool cannot
     * blind the prober.
     *
     * @param factory the node's driver factory
     * @param node the node, for the pool's name
     * @param timeout the bound on acquiring and opening the probe connection
     * @return the pool
     */
    public static ConnectionPool probePool(ConnectionFactory factory, NodeConfig node, Duration timeout) {
        return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .name("flowgres-probe-" + node.name())
                .initialSize(0)
                .maxSize(1)
                // Each probe is bounded by the timeout itself; the pool's own bound is a backstop that
                // must not race it (its late error would be dropped and logged).
                .maxAcquireTime(timeout.multipliedBy(2))
                .maxCreateConnectionTime(timeout)
                .acquireRetry(0)
                .build());
    }

    /**
     * Whether an acquire failed only because the idle connection the pool picked failed its
     * validation (r2dbc-pool's message; the pool has discarded it), so another may be taken at once.
     *
     * @param error an acquire's error
     * @return {@code true} for a stale pooled connection
     */
    static boolean isStale(Throwable error) {
        return error instanceof R2dbcNonTransientResourceException
                && "Connection validation failed".equals(error.getMessage());
    }
}
