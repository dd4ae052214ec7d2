package io.flowgres.web.r2dbc;

import io.flowgres.Flowgres;
import io.flowgres.web.autoconfigure.ConditionalOnFlowgresEnabled;
import io.flowgres.web.autoconfigure.FlowgresAutoConfiguration;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;

/**
 * Spring's R2DBC stack on Flowgres, when spring-r2dbc is on the class path: the Flowgres routing
 * factory becomes the application's {@link ConnectionFactory} (so Boot's own pooled factory backs
 * off), with a {@link FlowgresTransactionManager}, a {@link DatabaseClient} over it and
 * {@link LentConnections} to run Spring R2DBC code inside the facade's operations. Every bean
 * gives way to one the application defines. Ordered before Boot's R2DBC and Spring Data R2DBC
 * auto-configurations, whose beans wait for a missing or single {@code ConnectionFactory}.
 */
@ConditionalOnFlowgresEnabled
@AutoConfiguration(after = FlowgresAutoConfiguration.class, beforeName = {
        "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration",
        "org.springframework.boot.r2dbc.autoconfigure.R2dbcTransactionManagerAutoConfiguration",
        "org.springframework.boot.data.r2dbc.autoconfigure.DataR2dbcAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration"})
@ConditionalOnClass(DatabaseClient.class)
public class FlowgresR2dbcAutoConfiguration {

    /** Creates the auto-configuration. */
    public FlowgresR2dbcAutoConfiguration() {
    }

    /**
     * The cluster as the application's connection factory: writer by default, replicas for work
     * marked read-only (see {@code io.flowgres.r2dbc.FlowgresRouting}).
     *
     * @param flowgres the facade
     * @return its routing factory
     */
    @Bean
    @ConditionalOnMissingBean(ConnectionFactory.class)
    @ConditionalOnSingleCandidate(Flowgres.class)
    public ConnectionFactory flowgresConnectionFactory(Flowgres flowgres) {
        return flowgres.connectionFactory();
    }

    /**
     * The transaction manager of {@code @Transactional} and {@code TransactionalOperator}: read-only
     * transactions on replicas, the others on the writer.
     *
     * @param connectionFactory the application's connection factory
     * @return the manager
     */
    @Bean
    @ConditionalOnMissingBean(ReactiveTransactionManager.class)
    @ConditionalOnSingleCandidate(ConnectionFactory.class)
    public FlowgresTransactionManager flowgresTransactionManager(ConnectionFactory connectionFactory) {
        return new FlowgresTransactionManager(connectionFactory);
    }

    /**
     * A {@link DatabaseClient} over the application's connection factory. Outside a transaction its
     * statements run on the writer unless the subscription is marked read-only.
     *
     * @param connectionFactory the application's connection factory
     * @return the client
     */
    @Bean
    @ConditionalOnMissingBean(DatabaseClient.class)
    @ConditionalOnSingleCandidate(ConnectionFactory.class)
    public DatabaseClient flowgresDatabaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }

    /**
     * Runs Spring R2DBC code on the connections Flowgres operations lend ({@code flowgres.read(query,
     * lent.run(() -> repository.findById(id)))}), so repositories and {@code DatabaseClient} get the
     * operations' hedging, deadlines, retries and write safety.
     *
     * @param connectionFactory the application's connection factory
     * @return the bridge
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(ConnectionFactory.class)
    public LentConnections flowgresLentConnections(ConnectionFactory connectionFactory) {
        return new LentConnections(connectionFactory);
    }
}
