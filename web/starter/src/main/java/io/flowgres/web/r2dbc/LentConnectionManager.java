package io.flowgres.web.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.connection.ConnectionHolder;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.AbstractReactiveTransactionManager;
import org.springframework.transaction.reactive.GenericReactiveTransaction;
import org.springframework.transaction.reactive.TransactionSynchronizationManager;
import reactor.core.publisher.Mono;

/**
 * The scope of {@link LentConnections}: "begins" by binding a connection that Flowgres lent under
 * the application's connection factory, marked as a transaction in progress, and "ends" by unbinding
 * it. It sends nothing to the server and never closes the connection: the Flowgres operation that
 * lent it owns both. An enclosing scope's binding of the same factory is suspended meanwhile.
 */
final class LentConnectionManager extends AbstractReactiveTransactionManager {

    private static final long serialVersionUID = 1L;

    private final transient ConnectionFactory connectionFactory;
    private final transient Connection connection;

    LentConnectionManager(ConnectionFactory connectionFactory, Connection connection) {
        this.connectionFactory = connectionFactory;
        this.connection = connection;
    }

    /** What is bound for the factory now: an enclosing transaction's connection, or nothing. */
    private record Bound(@Nullable Object resource) {
    }

    @Override
    protected Object doGetTransaction(TransactionSynchronizationManager synchronizationManager) {
        return new Bound(synchronizationManager.getResource(connectionFactory));
    }

    @Override
    protected boolean isExistingTransaction(Object transaction) {
        return ((Bound) transaction).resource() != null;
    }

    @Override
    protected Mono<Object> doSuspend(TransactionSynchronizationManager synchronizationManager, Object transaction) {
        return Mono.fromSupplier(() -> synchronizationManager.unbindResource(connectionFactory));
    }

    @Override
    protected Mono<Void> doResume(TransactionSynchronizationManager synchronizationManager,
            @Nullable Object transaction, Object suspendedResources) {
        return Mono.fromRunnable(() -> synchronizationManager.bindResource(connectionFactory, suspendedResources));
    }

    @Override
    protected Mono<Void> doBegin(TransactionSynchronizationManager synchronizationManager, Object transaction,
            TransactionDefinition definition) {
        // "In progress" makes Spring's own transactions join the operation's (or its auto-commit read)
        // instead of beginning one on this connection.
        return Mono.fromRunnable(() -> synchronizationManager.bindResource(connectionFactory,
                new ConnectionHolder(connection, true)));
    }

    @Override
    protected Mono<Void> doCommit(TransactionSynchronizationManager synchronizationManager,
            GenericReactiveTransaction status) {
        return Mono.empty(); // the Flowgres operation commits, if it is a transaction at all
    }

    @Override
    protected Mono<Void> doRollback(TransactionSynchronizationManager synchronizationManager,
            GenericReactiveTransaction status) {
        return Mono.empty(); // the operation sees the error and rolls back itself
    }

    @Override
    protected Mono<Void> doCleanupAfterCompletion(TransactionSynchronizationManager synchronizationManager,
            Object transaction) {
        return Mono.fromRunnable(() -> synchronizationManager.unbindResourceIfPossible(connectionFactory));
    }
}
