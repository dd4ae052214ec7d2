package io.flowgres.web.r2dbc;

import java.util.function.Function;
import java.util.function.Supplier;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.reactivestreams.Publisher;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Flux;

/**
 * Runs Spring R2DBC code ({@code DatabaseClient}, {@code R2dbcEntityTemplate}, Spring Data
 * repositories) on the connection a Flowgres operation lends, so that code gets the operation's
 * node selection, deadline, hedging, retries, write safety and metrics:
 *
 * <pre>{@code
 * flowgres.read(Query.named("pitches.byId"), lent.run(() -> pitches.findById(id)))
 * flowgres.transactionCommitted(Query.named("pitches.create"), lent.run(() -> client.sql(INSERT)...all()))
 * }</pre>
 *
 * <p>While the work runs, the lent connection is bound as the application's connection factory's
 * resource in a transaction scope of its own (an enclosing Spring transaction is suspended, then
 * resumed), marked as a transaction in progress: Spring's R2DBC code takes that connection instead
 * of creating one, never closes it, and a {@code @Transactional} method (a repository's, whose class
 * is read-only transactional) joins it instead of issuing {@code BEGIN} and {@code COMMIT}. The
 * Flowgres operation owns the connection and its transaction: a read runs in auto-commit, a
 * transaction commits or rolls back as the operation decides, never early.
 *
 * <p>Each attempt of the operation (a retry, a hedge) calls the supplier again on its own
 * connection, so the work must build its publisher inside the supplier.
 *
 * <p>As with Spring's own {@code REQUIRES_NEW}, the enclosing transaction is suspended for the whole
 * operation: code of that transaction that runs at the same time (a sibling in a {@code zip}) does
 * not find its connection and opens another. Run such work after the operation, not beside it.
 */
public final class LentConnections {

    private static final TransactionDefinition OWN_SCOPE = scope();

    private final ConnectionFactory connectionFactory;

    /**
     * Creates the bridge.
     *
     * @param connectionFactory the factory the application's {@code DatabaseClient} and transaction
     *        manager use (the starter's routing factory): the key Spring finds connections under
     */
    public LentConnections(ConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    /**
     * Turns Spring R2DBC work into a Flowgres operation's work.
     *
     * @param work builds the publisher of Spring R2DBC calls; called once per attempt
     * @param <T> what the work emits
     * @return the function to pass to {@code Flowgres.read}, {@code transaction} and the others
     */
    public <T> Function<Connection, Flux<T>> run(Supplier<? extends Publisher<T>> work) {
        return connection -> TransactionalOperator
                .create(new LentConnectionManager(connectionFactory, connection), OWN_SCOPE)
                .transactional(Flux.defer(work));
    }

    private static TransactionDefinition scope() {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setName(LentConnections.class.getSimpleName());
        return definition;
    }
}
