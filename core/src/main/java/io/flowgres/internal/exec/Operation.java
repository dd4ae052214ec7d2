package io.flowgres.internal.exec;

import java.time.Duration;

import io.flowgres.cluster.RetryPolicy;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import org.jspecify.annotations.Nullable;

/**
 * One operation across its attempts: what does not change between them. {@code refusedBy} names the
 * nodes whose concurrency limit refused it: a node offered again after refusing waits for a
 * connection in its pool's bounded queue instead of refusing again, so that work fleeing a sick node
 * is passed over at most once per node and is never failed by limits alone while a queue has room.
 *
 * @param kind read, write or transaction
 * @param query the named query
 * @param route where it may run
 * @param policy its retry policy
 * @param timeout its deadline, as a duration
 * @param deadlineNanos its deadline on the pipeline's clock
 * @param staleness the caller's staleness budget, or {@code null}
 * @param refusedBy the nodes whose limit refused it (concurrent: a hedge may add to it)
 */
record Operation(OperationKind kind, Query query, Route route, RetryPolicy policy, Duration timeout,
        long deadlineNanos, @Nullable Duration staleness, Refusals refusedBy) {
}
