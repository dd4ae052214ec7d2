package io.flowgres.it.r2dbc.spi;

import static io.flowgres.it.r2dbc.spi.RoutedFactory.inRecovery;
import static io.flowgres.it.r2dbc.spi.RoutedFactory.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.test.FlowgresCluster;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Metadata of {@link Flowgres#connectionFactory()} and its connections on a real primary with two
 * replicas: the factory is PostgreSQL's (so frameworks such as Spring Data pick their PostgreSQL
 * dialect), and a connection names the product and its own server's version on either route.
 */
@FlowgresCluster(replicas = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class MetadataIT {

    @AutoClose
    private final RoutedFactory routed;

    MetadataIT(PostgresCluster cluster) {
        routed = RoutedFactory.start(cluster, "metadata-it");
    }

    @Test
    void theFactoryIsPostgresqlSoFrameworksFindTheirDialect() {
        assertThat(routed.factory().getMetadata().getName()).isEqualTo("PostgreSQL");
    }

    @Test
    void aConnectionNamesTheProductAndItsServersVersionOnThePrimary() {
        routed.onPrimary(MetadataIT::describe)
                .as(StepVerifier::create)
                .expectNext("PostgreSQL:true:false")
                .verifyComplete();
    }

    @Test
    void aConnectionNamesTheProductAndItsServersVersionOnAReplica() {
        routed.onReplica(MetadataIT::describe)
                .as(StepVerifier::create)
                .expectNext("PostgreSQL:true:true")
                .verifyComplete();
    }

    /** Product name, whether the version is the server's {@code server_version}, and whether in recovery. */
    private static Mono<String> describe(Connection connection) {
        ConnectionMetadata metadata = connection.getMetadata();
        return strings(connection, "SHOW server_version").single()
                .flatMap(version -> inRecovery(connection).map(replica -> metadata.getDatabaseProductName() + ":"
                        + version.equals(metadata.getDatabaseVersion()) + ":" + replica));
    }
}
