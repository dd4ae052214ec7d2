package io.flowgres.web.r2dbc;

import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.Route;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionSynchronizationManager;
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
 * <p>Inside a request that records writes ({@code ConsistencyFilter} puts
 * {@link FlowgresRouting#recordWrites} in its context), the connection of a committed read-write
 * transaction reads the primary's WAL position before it goes back to its pool, so the response
 * carries a token the client's next read honours; when the position cannot be read the token routes
 * to the writer, and the commit itself is never affected.
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
}
