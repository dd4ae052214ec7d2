package io.flowgres.internal.r2dbc;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;

import io.flowgres.routing.ConsistencyToken;
import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A pooled connection of one node as the routing factory hands it out: every SPI method goes to
 * the pooled connection, every exchange with the server is watched by the {@link NodeLease}, and
 * {@link #close()} returns the connection to its node exactly once. A connection whose last
 * statement was cancelled (a subscriber that went away, a {@code take}, a timeout) is settled by the
 * node first: put back when it proves idle within a short grace, else cancelled on the server and
 * discarded, so that a late cancel can never abort the next borrower's statement.
 */
final class LeasedConnection implements Connection, Wrapped<Connection> {

    // Field updaters rather than atomics: every connection the factory hands out is one of these, so its
    // state is plain fields of it instead of four more objects per lease.
    private static final AtomicIntegerFieldUpdater<LeasedConnection> CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(LeasedConnection.class, "closed");
    private static final AtomicReferenceFieldUpdater<LeasedConnection, @Nullable IsolationLevel> ORIGINAL_ISOLATION =
            AtomicReferenceFieldUpdater.newUpdater(LeasedConnection.class, IsolationLevel.class, "originalIsolation");

    private final Connection pooled;
    private final NodeLease lease;
    /** 1 once {@link #close()} was called. */
    private volatile int closed;
    /** The session's isolation level before the borrower first changed it; null while unchanged. */
    private volatile @Nullable IsolationLevel originalIsolation;
    /** Whether the borrower set a statement or lock timeout, which outlive the lease in the session. */
    private volatile boolean timeoutsChanged;
    /** Where the writer's position goes after this connection wrote; null when nobody records. */
    private final @Nullable Consumer<ConsistencyToken> writes;
    /** Whether it ran a statement in auto-commit mode or committed, so may have written. */
    private volatile boolean mayHaveWritten;

    LeasedConnection(Connection pooled, NodeLease lease, @Nullable Consumer<ConsistencyToken> writes) {
        this.pooled = pooled;
        this.lease = lease;
        this.writes = writes;
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return lease.watch(pooled.beginTransaction());
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return lease.watch(pooled.beginTransaction(definition));
    }

    @Override
    public Publisher<Void> close() {
        return Mono.defer(() -> {
            if (!CLOSED.compareAndSet(this, 0, 1)) {
                return Mono.<Void>empty();
            }
            Mono<Void> release = lease.node().release(pooled, lease.unsettled(), resetSession());
            Mono<Void> recorded = recordWrites();
            return (recorded == null ? release : recorded.then(release)).doFinally(signal -> lease.end());
        });
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return lease.watch(pooled.commitTransaction()).doOnSubscribe(subscription -> mayWrite());
    }

    @Override
    public Batch createBatch() {
        if (pooled.isAutoCommit()) {
            mayWrite();
        }
        return new LeasedBatch(pooled.createBatch(), lease);
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return lease.watch(pooled.createSavepoint(name));
    }

    @Override
    public Statement createStatement(String sql) {
        if (pooled.isAutoCommit()) {
            mayWrite();
        }
        return new LeasedStatement(pooled.createStatement(sql), lease);
    }

    @Override
    public boolean isAutoCommit() {
        return pooled.isAutoCommit();
    }

    @Override
    public ConnectionMetadata getMetadata() {
        return pooled.getMetadata();
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        return pooled.getTransactionIsolationLevel();
    }

    @Override
    public Publisher<Void> releaseSavepoint(String name) {
        return lease.watch(pooled.releaseSavepoint(name));
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return lease.watch(pooled.rollbackTransaction());
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return lease.watch(pooled.rollbackTransactionToSavepoint(name));
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return lease.watch(pooled.setAutoCommit(autoCommit));
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        timeoutsChanged = true;
        return lease.watch(pooled.setLockWaitTimeout(timeout));
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        timeoutsChanged = true;
        return lease.watch(pooled.setStatementTimeout(timeout));
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel isolationLevel) {
        ORIGINAL_ISOLATION.compareAndSet(this, null, pooled.getTransactionIsolationLevel());
        return lease.watch(pooled.setTransactionIsolationLevel(isolationLevel));
    }

    /** A closed connection is not valid, whatever the pooled one it lent (maybe to another borrower) is. */
    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        return Mono.defer(() -> closed == 1 ? Mono.just(false) : Mono.from(lease.watch(pooled.validate(depth))));
    }

    /**
     * What undoes the borrower's session settings before the connection goes back to its pool: the
     * isolation level it had, and the server's own statement and lock timeouts; {@code null} when
     * nothing changed.
     */
    private @Nullable Mono<Void> resetSession() {
        IsolationLevel isolation = originalIsolation;
        if (isolation == null && !timeoutsChanged) {
            return null;
        }
        Mono<Void> reset = isolation == null ? Mono.empty() : Mono.from(pooled.setTransactionIsolationLevel(isolation));
        if (timeoutsChanged) {
            reset = reset.then(execute("RESET statement_timeout")).then(execute("RESET lock_timeout"));
        }
        return reset;
    }

    private Mono<Void> execute(String sql) {
        return Flux.from(pooled.createStatement(sql).execute()).flatMap(result -> result.getRowsUpdated()).then();
    }

    /** The pooled connection, for drivers' extensions; closing it directly bypasses the lease. */
    @Override
    public Connection unwrap() {
        return pooled;
    }

    @Override
    public String toString() {
        return "FlowgresConnection{node=" + lease.node().name() + ", closed=" + (closed == 1) + "}";
    }

    private void mayWrite() {
        if (writes != null) {
            mayHaveWritten = true;
        }
    }

    /**
     * Hands the writer's position to the recorder when this connection may have written: read on the
     * connection, after its work; a connection whose statement was cancelled may still be writing, so it
     * is recorded as writer-only without a round trip. {@code null} when there is nothing to record
     * (a read, or nobody records), which spares the release an operator.
     */
    private @Nullable Mono<Void> recordWrites() {
        Consumer<ConsistencyToken> recorder = writes;
        if (recorder == null || !mayHaveWritten) {
            return null;
        }
        if (lease.unsettled()) {
            return Mono.fromRunnable(() -> recorder.accept(ConsistencyToken.writerOnly()));
        }
        return ConsistencyToken.afterCommit(pooled).doOnNext(recorder).then();
    }
}
