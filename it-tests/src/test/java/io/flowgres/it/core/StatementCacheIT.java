package io.flowgres.it.core;

import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.it.Sql;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;

/**
 * The prepared-statement cache of each connection is bounded (r2dbc-postgresql's default keeps every
 * distinct statement forever, a slow leak on the server for applications that build SQL text), and
 * it still reuses what it keeps. Checked in {@code pg_prepared_statements} of the one pooled
 * connection.
 */
@FlowgresCluster(replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class StatementCacheIT {

    private static final int CACHE_SIZE = 4;
    private static final Query READ = Query.named("statement-cache.read").withRoute(Route.PRIMARY);

    private Flowgres flowgres;

    @BeforeAll
    void start(PostgresCluster cluster) {
        flowgres = Flowgres.create(cluster.clusterConfig().pool(Sql.ONE_CONNECTION).statementCacheSize(CACHE_SIZE)
                .build());
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void distinctStatementsBeyondTheBoundEvictTheOldest() {
        for (int i = 0; i < 3 * CACHE_SIZE; i++) {
            String sql = "SELECT $1::int + " + i;
            assertThat(flowgres.read(READ, connection -> bound(connection, sql, 1)).blockLast(Duration.ofSeconds(10)))
                    .isEqualTo(String.valueOf(1 + i));
        }
        assertThat(preparedStatements("%")).isBetween(1L, (long) CACHE_SIZE);
        assertThat(preparedStatements("SELECT $1::int + " + (3 * CACHE_SIZE - 1))).as("the newest is kept")
                .isEqualTo(1);
    }

    @Test
    void aRepeatedStatementIsPreparedOnce() {
        for (int i = 0; i < 5; i++) {
            int value = i;
            assertThat(flowgres.read(READ, connection -> bound(connection, "SELECT $1::int * 2", value))
                    .blockLast(Duration.ofSeconds(10))).isEqualTo(String.valueOf(2 * value));
        }
        assertThat(preparedStatements("SELECT $1::int * 2")).isEqualTo(1);
    }

    private static Flux<String> bound(io.r2dbc.spi.Connection connection, String sql, int value) {
        return Flux.from(connection.createStatement(sql).bind("$1", value).execute())
                .flatMap(result -> result.map(row -> String.valueOf(row.get(0))));
    }

    /** Prepared statements of the pooled connection whose text is like the pattern. */
    private long preparedStatements(String like) {
        // No parameters: sent as a simple query, so it prepares nothing itself.
        return Long.parseLong(flowgres.read(READ, connection -> strings(connection,
                        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '"
                                + like.replace("'", "''") + "'"))
                .blockLast(Duration.ofSeconds(10)));
    }
}
