package io.flowgres.it;

import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Flux;

/**
 * Statements as work functions for the facade, shared by the integration tests that drive a real
 * cluster through it.
 */
public final class Sql {

    /**
     * A pool of exactly one connection: every operation lands on the same connection unless it was
     * discarded, which makes a discarded connection visible as a new backend pid.
     */
    public static final PoolPolicy ONE_CONNECTION = PoolPolicy.test().toBuilder().initialSize(1).maxSize(1).build();

    /**
     * The application name of {@link #direct} connections, for queries on {@code pg_stat_activity} that
     * must leave out their own backend.
     */
    public static final String DIRECT = "it-direct";

    private Sql() {
    }

    /**
     * A facade on one server alone, to look at it directly rather than through the facade under test:
     * every operation runs there whatever its route, on connections named {@link #DIRECT}.
     *
     * @param cluster the cluster's credentials
     * @param node the server
     * @return a facade the caller closes
     */
    public static Flowgres direct(PostgresCluster cluster, PostgresNode node) {
        return Flowgres.create(ClusterConfig.builder().primary(node.r2dbcUrl())
                .credentials(cluster.user(), cluster.password()).applicationName(DIRECT)
                .pool(PoolPolicy.test()).build());
    }

    /**
     * Runs a query on one server directly (see {@link #direct}) and reads the first column of its last
     * row as text.
     *
     * @param cluster the cluster's credentials
     * @param node the server
     * @param sql the query, e.g. a count on {@code pg_stat_activity}
     * @return the value, or null when the query returned no row
     */
    public static String onServer(PostgresCluster cluster, PostgresNode node, String sql) {
        try (Flowgres direct = direct(cluster, node)) {
            return value(direct, sql);
        }
    }

    /**
     * Runs a query through a {@link #direct} facade already open (when a test asks its server many
     * times) and reads the first column of its last row as text.
     *
     * @param direct a facade on one server
     * @param sql the query
     * @return the value, or null when the query returned no row
     */
    public static String value(Flowgres direct, String sql) {
        return direct.read(Query.named("it.direct").withRoute(Route.PRIMARY), connection -> strings(connection, sql))
                .blockLast(Duration.ofSeconds(20));
    }

    /**
     * Runs a count on one server directly (see {@link #onServer}).
     *
     * @param cluster the cluster's credentials
     * @param node the server
     * @param sql a query whose first column is a number
     * @return the number
     */
    public static long countOnServer(PostgresCluster cluster, PostgresNode node, String sql) {
        return Long.parseLong(onServer(cluster, node, sql));
    }

    /**
     * Runs a query and reads its first column as text.
     *
     * @param connection the attempt's connection
     * @param sql the query
     * @return the first column of every row
     */
    public static Flux<String> strings(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map(row -> String.valueOf(row.get(0))));
    }

    /**
     * Runs a statement and reports the rows it updated.
     *
     * @param connection the attempt's connection
     * @param sql the statement
     * @return the update counts
     */
    public static Flux<Long> execute(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(result -> result.getRowsUpdated());
    }
}
