package io.flowgres.web.r2dbc;

import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.web.routing.WriteTokens;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.r2dbc.connection.ConnectionHolder;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.GenericReactiveTransaction;
import org.springframework.transaction.reactive.TransactionSynchronizationManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring's {@link R2dbcTransactionManager} over the Flowgres {@code ConnectionFactory}, routing each
 * transaction by its definition: a read-only one ({@code @Transactional(readOnly = true)}, a
 * read-only {@code TransactionalOperator}) obtains its connection from an eligible replica, else the
 * writer; any other from the writer. Spring itself does not tell a {@code ConnectionFactory} whether
 * a transaction is read-only (spring-data-relational #2026), so {@link #doBegin} writes the flag into
 * the Reactor {@code Context} the factory reads when the connection is created.
 *
 * <p>Read-only is enforced on the server too ({@code SET TRANSACTION READ ONLY}), so a write slipped
 * into a read-only transaction fails on any node, not only on replicas. A context that already asks
 * for {@link Route#REPLICA_ONLY} keeps it for read-only transactions.
 *
 * <p>After a read-write transaction commits inside a request that records writes ({@link WriteTokens},
 * started by {@code ConsistencyFilter}), the manager reads the primary's WAL position on the same
 * connection and records it, so the response carries a token the client's next read honours. When
 * the position cannot be read the token routes to the writer; the commit itself is never affected.
 */
public final class FlowgresTransactionManager extends R2dbcTransactionManager {

    /**
     * Creates the manager.
     *
     * @param connectionFactory the Flowgres routing factory ({@code Flowgres.connectionFactory()})
     */
    public FlowgresTransactionManager(ConnectionFactory connectionFactory) {
        super(connectionFactory);
        setEnforceReadOnly(true);
    }

    /**
     * Begins the transaction on a connection routed by the definition's read-only flag.
     *
     * @param synchronizationManager Spring's synchronization state of the subscription
     * @param transaction the transaction object
     * @param definition the transaction's definition; its read-only flag picks the route
     * @return completes when the transaction has begun
     */
    @Override
    protected Mono<Void> doBegin(TransactionSynchronizationManager synchronizationManager, Object transaction,
            TransactionDefinition definition) {
        boolean readOnly = definition.isReadOnly();
        return super.doBegin(synchronizationManager, transaction, definition).contextWrite(context -> {
            if (!readOnly) {
                return FlowgresRouting.route(Route.PRIMARY).apply(context);
            }
            return FlowgresRouting.routeOf(context) == Route.REPLICA_ONLY ? context
                    : FlowgresRouting.readOnly().apply(context);
        });
    }

    /**
     * Commits, then records the commit's position for the request's response when the request
     * records writes and the transaction was read-write.
     *
     * @param synchronizationManager Spring's synchronization state of the subscription
     * @param status the transaction
     * @return completes when committed (and recorded)
     */
    @Override
    protected Mono<Void> doCommit(TransactionSynchronizationManager synchronizationManager,
            GenericReactiveTransaction status) {
        Mono<Void> commit = super.doCommit(synchronizationManager, status);
        if (status.isReadOnly()) {
            return commit;
        }
        return Mono.deferContextual(context -> WriteTokens.of(context)
                .map(writes -> commit.then(position(synchronizationManager)).doOnNext(writes::record).then())
                .orElse(commit));
    }

    /** The primary's WAL insert position, read on the transaction's connection; writer-only when unreadable. */
    private Mono<ConsistencyToken> position(TransactionSynchronizationManager synchronizationManager) {
        return Mono.defer(() -> {
            ConnectionHolder holder = (ConnectionHolder) synchronizationManager.getResource(obtainConnectionFactory());
            if (holder == null) {
                return Mono.just(ConsistencyToken.writerOnly());
            }
            return Flux.from(holder.getConnection().createStatement("SELECT pg_current_wal_insert_lsn()::text").execute())
                    .flatMap(result -> result.map(row -> String.valueOf(row.get(0))))
                    .singleOrEmpty()
                    .map(ConsistencyToken::parse);
        }).onErrorResume(error -> Mono.empty()).defaultIfEmpty(ConsistencyToken.writerOnly());
    }
}
