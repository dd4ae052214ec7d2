package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ValidationDepth;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Validation through {@link Flowgres#connectionFactory()} on a real primary with two replicas: a live
 * connection validates locally and on the server, on the writer and on a replica; one that was closed,
 * or whose backend another connection terminated, does not, and the pool replaces a terminated one.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ValidationIT {

    @AutoClose
    private final RoutedFactory routed;

    ValidationIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "validation-it");
    }

    @Test
    void aLiveConnectionValidatesLocallyAndOnTheServerOnEitherRoute() {
        routed.onPrimary(connection -> Flux.concat(connection.validate(ValidationDepth.LOCAL),
                        connection.validate(ValidationDepth.REMOTE), inRecovery(connection)))
                .as(StepVerifier::create)
                .expectNext(true, true, false)
                .verifyComplete();
        routed.onReplica(connection -> Flux.concat(connection.validate(ValidationDepth.LOCAL),
                        connection.validate(ValidationDepth.REMOTE), inRecovery(connection)))
                .as(StepVerifier::create)
                .expectNext(true, true, true)
                .verifyComplete();
    }

    @Test
    void aClosedConnectionDoesNotValidate() {
        Connection connection = routed.create(false);
        Mono.from(connection.close()).block(WAIT);

        assertThat(Flux.concat(connection.validate(ValidationDepth.LOCAL), connection.validate(ValidationDepth.REMOTE))
                .collectList().block(WAIT)).as("LOCAL, REMOTE").containsExactly(false, false);
    }

    @Test
    void aConnectionWhoseBackendWasTerminatedDoesNotValidateAndIsReplacedOnThePrimary() {
        terminatedConnectionDoesNotValidateAndIsReplaced(false);
    }

    @Test
    void aConnectionWhoseBackendWasTerminatedDoesNotValidateAndIsReplacedOnAReplica() {
        // One replica in rotation, so that the next connection comes from the same node's pool.
        String other = routed.replicaNode(1).name();
        routed.flowgres().drain(other);
        try {
            terminatedConnectionDoesNotValidateAndIsReplaced(true);
        } finally {
            routed.flowgres().undrain(other);
        }
    }

    private void terminatedConnectionDoesNotValidateAndIsReplaced(boolean readOnly) {
        Connection connection = routed.create(readOnly);
        String pid;
        PostgresNode node;
        try {
            pid = strings(connection, "SELECT pg_backend_pid()::text").blockLast(WAIT);
            node = routed.nodeOf(connection);
            assertThat(node.isReplica()).as("the route's node").isEqualTo(readOnly);

            assertThat(routed.onNode(node, "SELECT pg_terminate_backend(" + pid + ")::text")).containsExactly("true");

            assertThat(Mono.from(connection.validate(ValidationDepth.REMOTE)).block(WAIT)).isFalse();
            Await.until("the terminated connection to fail local validation", () -> Boolean.FALSE
                    .equals(Mono.from(connection.validate(ValidationDepth.LOCAL)).block(WAIT)), WAIT);
        } finally {
            Mono.from(connection.close()).block(WAIT);
        }

        Connection next = routed.create(readOnly);
        try {
            assertThat(routed.nodeOf(next).name()).as("the same node's pool").isEqualTo(node.name());
            assertThat(strings(next, "SELECT pg_backend_pid()::text").blockLast(WAIT))
                    .as("a new connection instead of the terminated one").isNotEqualTo(pid);
        } finally {
            Mono.from(next.close()).block(WAIT);
        }
    }
}
