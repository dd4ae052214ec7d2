package io.flowgres.it;

import io.flowgres.cluster.PoolPolicy;
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

    private Sql() {
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
