package io.flowgres.load.bench.plain;

import java.time.Duration;

import io.flowgres.cluster.ClusterConfig;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;

/**
 * Bare {@code r2dbc-pool} pools for the benchmark's plain contenders, with the driver options that
 * Flowgres gives its own node pools (prepared-statement cache of
 * {@link ClusterConfig#DEFAULT_STATEMENT_CACHE_SIZE}, connect timeout), so that the server does the
 * same work for either; nothing else in between.
 */
public final class PlainPools {

    private PlainPools() {
    }

    /**
     * Creates a pool; connections open on first use or {@link ConnectionPool#warmup()}.
     *
     * @param name the pool's name, for its metrics and threads
     * @param url the node's R2DBC URL
     * @param user the user
     * @param password the password
     * @param initialSize connections opened at warm-up
     * @param maxSize the most connections open at once
     * @return the pool; dispose it when done
     */
    public static ConnectionPool create(String name, String url, String user, String password, int initialSize,
            int maxSize) {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(url).mutate()
                .option(ConnectionFactoryOptions.USER, user)
                .option(ConnectionFactoryOptions.PASSWORD, password)
                .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5))
                .option(PostgresqlConnectionFactoryProvider.APPLICATION_NAME, name)
                .option(PostgresqlConnectionFactoryProvider.PREPARED_STATEMENT_CACHE_QUERIES,
                        ClusterConfig.DEFAULT_STATEMENT_CACHE_SIZE)
                .build();
        return new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(options))
                .name(name)
                .initialSize(initialSize)
                .maxSize(maxSize)
                .maxIdleTime(Duration.ofMinutes(10))
                .build());
    }
}
