package io.flowgres.internal.r2dbc;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import org.reactivestreams.Publisher;

/**
 * A batch of a {@link LeasedConnection}: the driver's, with its execution watched by the lease and its
 * results {@linkplain LeasedResult releasing what a cancel drops}.
 */
final class LeasedBatch implements Batch, Wrapped<Batch> {

    private final Batch batch;
    private final NodeLease lease;

    LeasedBatch(Batch batch, NodeLease lease) {
        this.batch = batch;
        this.lease = lease;
    }

    @Override
    public Batch add(String sql) {
        batch.add(sql);
        return this;
    }

    @Override
    public Publisher<? extends Result> execute() {
        return lease.watch(batch.execute()).map(LeasedResult::new);
    }

    @Override
    public Batch unwrap() {
        return batch;
    }
}
