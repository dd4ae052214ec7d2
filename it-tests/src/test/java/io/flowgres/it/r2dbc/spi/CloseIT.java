package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.WAIT;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;

/**
 * Closing connections of {@link Flowgres#connectionFactory()} on a real primary with two replicas:
 * a closed connection goes back to its node's pool exactly once (a second close does nothing), the
 * next connection on the same route is the same backend, and a closed connection takes no more
 * statements. Each node's pool holds one connection, so a discarded connection shows as a new pid.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CloseIT {

    @AutoClose
    private final RoutedFactory routed;

    CloseIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "close-it");
    }

    @Test
    void closingReleasesTheConnectionToItsPoolExactlyOnce() {
        String pidBefore = routed.primaryPid();
        Connection connection = routed.create(false);
        assertThat(routed.pool("primary").acquired()).isEqualTo(1);
        assertThat(routed.flowgres().topology().inFlight()).as("a leased connection is load on its node").isEqualTo(1);

        Mono.from(connection.close()).block(WAIT);
        Mono.from(connection.close()).block(WAIT);

        assertThat(routed.pool("primary").acquired()).isZero();
        assertThat(routed.pool("primary").idle()).isEqualTo(1);
        assertThat(routed.flowgres().topology().inFlight()).isZero();
        assertThat(routed.primaryPid()).as("the one pooled connection serves again: pooled, not discarded")
                .isEqualTo(pidBefore);
    }

    @Test
    void theNextConnectionOnAReplicaRouteIsTheSameBackendOfTheSameReplica() {
        // One replica in rotation, so that both connections come from the same node's pool.
        String replica = routed.replicaNode(0).name();
        String other = routed.replicaNode(1).name();
        routed.flowgres().drain(other);
        try {
            Connection first = routed.create(true);
            String pid;
            try {
                assertThat(routed.nodeOf(first).name()).isEqualTo(replica);
                pid = strings(first, "SELECT pg_backend_pid()::text").blockLast(WAIT);
                assertThat(routed.pool(replica).acquired()).isEqualTo(1);
            } finally {
                Mono.from(first.close()).block(WAIT);
            }
            assertThat(routed.pool(replica).acquired()).isZero();

            Connection second = routed.create(true);
            try {
                assertThat(routed.nodeOf(second).name()).isEqualTo(replica);
                assertThat(strings(second, "SELECT pg_backend_pid()::text").blockLast(WAIT)).isEqualTo(pid);
            } finally {
                Mono.from(second.close()).block(WAIT);
                Mono.from(second.close()).block(WAIT);
            }
            assertThat(routed.pool(replica).acquired()).isZero();
            assertThat(routed.pool(replica).idle()).isEqualTo(1);
        } finally {
            routed.flowgres().undrain(other);
        }
    }

    @Test
    void aClosedConnectionTakesNoMoreStatements() {
        Connection connection = routed.create(false);
        Mono.from(connection.close()).block(WAIT);

        assertThatIllegalStateException().isThrownBy(() -> connection.createStatement("SELECT 1"));
        assertThatIllegalStateException().isThrownBy(connection::createBatch);
    }

    @Test
    void takingTheFirstRowOfAFinishedQueryKeepsTheConnection() {
        String before = routed.primaryPid();
        for (int i = 0; i < 5; i++) {
            assertThat(routed.onPrimary(connection -> strings(connection,
                    "SELECT n::text FROM generate_series(1, 3) AS n")).next().block(WAIT)).isEqualTo("1");
            Await.until("the connection settled", () -> routed.pool("primary").acquired() == 0, WAIT);
        }
        assertThat(routed.primaryPid()).as("the same backend served every query").isEqualTo(before);
    }
}
