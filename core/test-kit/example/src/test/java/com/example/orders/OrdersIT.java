package com.example.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.query.Committed;
import io.flowgres.query.Query;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A user's integration test: the annotation alone gives it a primary and two streaming replicas,
 * and a configuration pointing at them.
 */
@FlowgresCluster(replicas = 2)
final class OrdersIT {

    @Test
    void anOrderWrittenOnThePrimaryIsReadFromAReplica(ClusterConfig config) {
        assertThat(config.replicas()).hasSize(2);
        try (Flowgres flowgres = Flowgres.create(config)) {
            flowgres.write(Query.named("orders.schema"), connection -> execute(connection,
                    "CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL)"))
                    .blockLast(Duration.ofSeconds(30));
            Committed<Long> placed = flowgres.writeCommitted(Query.named("orders.place"), connection -> execute(
                    connection, "INSERT INTO orders (item) VALUES ('tea')")).block(Duration.ofSeconds(30));

            List<Boolean> onReplica = flowgres.read(Query.named("orders.find").withConsistency(placed.token()),
                            connection -> Flux.from(connection.createStatement(
                                    "SELECT pg_is_in_recovery() FROM orders WHERE item = 'tea'").execute())
                                    .flatMap(result -> result.map(row -> row.get(0, Boolean.class))))
                    .collectList().block(Duration.ofSeconds(30));

            assertThat(onReplica).as("the order, read back at or after its write").hasSize(1);
        }
    }

    private static Flux<Long> execute(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(result -> result.getRowsUpdated());
    }
}
