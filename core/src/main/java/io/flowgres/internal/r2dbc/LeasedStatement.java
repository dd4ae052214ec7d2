package io.flowgres.internal.r2dbc;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.Wrapped;
import org.reactivestreams.Publisher;

/**
 * A statement of a {@link LeasedConnection}: the driver's, with its execution watched by the lease and
 * its results {@linkplain LeasedResult releasing what a cancel drops}.
 */
final class LeasedStatement implements Statement, Wrapped<Statement> {

    private final Statement statement;
    private final NodeLease lease;

    LeasedStatement(Statement statement, NodeLease lease) {
        this.statement = statement;
        this.lease = lease;
    }

    @Override
    public Statement add() {
        statement.add();
        return this;
    }

    @Override
    public Statement bind(int index, Object value) {
        statement.bind(index, value);
        return this;
    }

    @Override
    public Statement bind(String name, Object value) {
        statement.bind(name, value);
        return this;
    }

    @Override
    public Statement bindNull(int index, Class<?> type) {
        statement.bindNull(index, type);
        return this;
    }

    @Override
    public Statement bindNull(String name, Class<?> type) {
        statement.bindNull(name, type);
        return this;
    }

    @Override
    public Statement fetchSize(int rows) {
        statement.fetchSize(rows);
        return this;
    }

    @Override
    public Statement returnGeneratedValues(String... columns) {
        statement.returnGeneratedValues(columns);
        return this;
    }

    @Override
    public Publisher<? extends Result> execute() {
        return lease.watch(statement.execute()).map(LeasedResult::new);
    }

    @Override
    public Statement unwrap() {
        return statement;
    }
}
