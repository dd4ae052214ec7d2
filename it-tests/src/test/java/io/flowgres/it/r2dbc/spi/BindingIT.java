package io.flowgres.it.r2dbc.spi;

import static org.assertj.core.api.Assertions.assertThat;


import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.R2dbcType;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Bindings through {@link Flowgres#connectionFactory()} on a real primary with two replicas: by index
 * and by name ({@code $1}), nulls with {@code bindNull} and as typed {@link Parameters#in}, values as
 * {@code Parameters.in(type, value)}, across bindings added with {@code add()}, and on a replica
 * inside {@code FlowgresRouting.readOnly()}.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class BindingIT {

    @AutoClose
    private final RoutedFactory routed;

    BindingIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "binding-it");
        routed.execute("CREATE TABLE person (id int PRIMARY KEY, name text, age int)");
    }

    @BeforeEach
    void emptyTable() {
        routed.execute("TRUNCATE person");
    }

    @Test
    void statementsBindPositionalAndNamedValuesAndNullsAcrossAddedBindings() {
        routed.onPrimary(connection -> Flux.from(connection
                                .createStatement("INSERT INTO person (id, name, age) VALUES ($1, $2, $3)")
                                .bind(0, 1).bind(1, "Ada").bind(2, 36).add()
                                .bind("$1", 2).bind("$2", "Grace").bindNull("$3", Integer.class).add()
                                .bind(0, 3).bindNull(1, String.class).bind(2, 41)
                                .execute())
                        .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(1L, 1L, 1L)
                .verifyComplete();

        assertThat(routed.peopleWithAges()).containsExactly("1:Ada:36", "2:Grace:null", "3:null:41");
    }

    @Test
    void typedParametersBindValuesAndNulls() {
        routed.onPrimary(connection -> Flux.from(connection
                                .createStatement("INSERT INTO person (id, name, age) VALUES ($1, $2, $3)")
                                .bind(0, Parameters.in(R2dbcType.INTEGER, 1))
                                .bind(1, Parameters.in(R2dbcType.VARCHAR))
                                .bind(2, Parameters.in(R2dbcType.INTEGER))
                                .add()
                                .bind("$1", Parameters.in(2))
                                .bind("$2", Parameters.in(R2dbcType.VARCHAR, "Edsger"))
                                .bind("$3", Parameters.in(Integer.class))
                                .execute())
                        .flatMap(result -> result.getRowsUpdated()))
                .as(StepVerifier::create)
                .expectNext(1L, 1L)
                .verifyComplete();

        assertThat(routed.peopleWithAges()).containsExactly("1:null:null", "2:Edsger:null");
    }

    @Test
    void boundNullsReadBackAsNull() {
        routed.onPrimary(connection -> Flux.from(connection
                                .createStatement("SELECT $1::text IS NULL, $2::int IS NULL, $3::text")
                                .bindNull(0, String.class)
                                .bind(1, Parameters.in(R2dbcType.INTEGER))
                                .bindNull("$3", String.class)
                                .execute())
                        .flatMap(result -> result.map(row -> row.get(0, Boolean.class) + ":" + row.get(1, Boolean.class)
                                + ":" + row.get(2, String.class))))
                .as(StepVerifier::create)
                .expectNext("true:true:null")
                .verifyComplete();
    }

    @Test
    void bindingsWorkOnAReplicaInsideReadOnly() {
        routed.execute("INSERT INTO person (id, name, age) VALUES (7, 'Barbara', 84)");
        routed.awaitReplication();
        routed.onReplica(connection -> Flux.from(connection
                                .createStatement("SELECT pg_is_in_recovery(), name FROM person WHERE id = $1 AND "
                                        + "age > $2")
                                .bind("$1", 7).bind(1, Parameters.in(R2dbcType.INTEGER, 80))
                                .execute())
                        .flatMap(result -> result.map(row -> row.get(0, Boolean.class) + ":"
                                + row.get(1, String.class))))
                .as(StepVerifier::create)
                .expectNext("true:Barbara")
                .verifyComplete();
    }
}
