package io.flowgres.web.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import reactor.core.publisher.Mono;

/**
 * The R2DBC beans of the starter, one condition per test, asserted on the beans. No database is
 * reached: Flowgres opens connections lazily and its probes are off.
 */
final class FlowgresR2dbcAutoConfigurationTest {

    private final Flowgres flowgres = Flowgres.builder(ClusterConfig.builder()
                    .primary("r2dbc:postgresql://127.0.0.1:1/app").credentials("app", "secret").build())
            .probing(false).build();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FlowgresR2dbcAutoConfiguration.class))
            .withBean(Flowgres.class, () -> flowgres);

    @AfterEach
    void close() {
        flowgres.close();
    }

    @Test
    void theFlowgresFactoryIsTheApplicationsConnectionFactory() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(ConnectionFactory.class);
            assertThat(context.getBean(ConnectionFactory.class)).isSameAs(flowgres.connectionFactory());
            assertThat(context.getBean(ConnectionFactory.class).getMetadata().getName()).isEqualTo("PostgreSQL");
        });
    }

    @Test
    void theTransactionManagerRoutesByReadOnlyAndEnforcesIt() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(ReactiveTransactionManager.class);
            FlowgresTransactionManager manager = context.getBean(FlowgresTransactionManager.class);
            assertThat(manager.getConnectionFactory()).isSameAs(flowgres.connectionFactory());
            assertThat(manager.isEnforceReadOnly()).isTrue();
        });
    }

    @Test
    void aDatabaseClientIsMadeOverTheFactoryWhosePostgresMetadataGivesItsBindMarkers() {
        runner.run(context -> assertThat(context).hasSingleBean(DatabaseClient.class));
    }

    @Test
    void theBridgeForSpringCodeInsideFacadeOperationsIsMadeAndGivesWayToTheApplications() {
        runner.run(context -> assertThat(context).hasSingleBean(LentConnections.class));
        LentConnections own = new LentConnections(flowgres.connectionFactory());
        runner.withBean("ownLentConnections", LentConnections.class, () -> own)
                .run(context -> assertThat(context.getBean(LentConnections.class)).isSameAs(own));
        runner.withClassLoader(new FilteredClassLoader(DatabaseClient.class))
                .run(context -> assertThat(context).doesNotHaveBean(LentConnections.class));
    }

    @Test
    void theApplicationsOwnConnectionFactoryWins() {
        ConnectionFactory own = new UnusedConnectionFactory();
        runner.withBean("ownConnectionFactory", ConnectionFactory.class, () -> own).run(context -> {
            assertThat(context.getBean(ConnectionFactory.class)).isSameAs(own);
            assertThat(context.getBean(FlowgresTransactionManager.class).getConnectionFactory()).isSameAs(own);
        });
    }

    @Test
    void theApplicationsOwnTransactionManagerWins() {
        runner.withBean("ownTransactionManager", ReactiveTransactionManager.class,
                        () -> new FlowgresTransactionManager(flowgres.connectionFactory()))
                .run(context -> {
                    assertThat(context).hasSingleBean(ReactiveTransactionManager.class);
                    assertThat(context).hasBean("ownTransactionManager");
                    assertThat(context).doesNotHaveBean("flowgresTransactionManager");
                });
    }

    @Test
    void withoutSpringR2dbcNothingIsAdded() {
        runner.withClassLoader(new FilteredClassLoader(DatabaseClient.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ConnectionFactory.class);
            assertThat(context).doesNotHaveBean(ReactiveTransactionManager.class);
        });
    }

    /** Another PostgreSQL factory (DatabaseClient picks its bind markers by the name), never asked for a connection. */
    private static final class UnusedConnectionFactory implements ConnectionFactory {

        @Override
        public Publisher<? extends io.r2dbc.spi.Connection> create() {
            return Mono.error(new UnsupportedOperationException("unused"));
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return () -> "PostgreSQL";
        }
    }
}
