package io.flowgres.internal.exec;

import java.util.List;
import java.util.function.Function;

import io.r2dbc.spi.Connection;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Wraps an attempt's work for its kind and marks its {@link Progress}: a write is marked sent when
 * it starts; a transaction runs between {@code BEGIN} and {@code COMMIT} with its results held back
 * until the commit succeeded, so nobody sees rows of a transaction that then fails and a rolled-back
 * transaction can be re-run whole without duplicates.
 */
final class TransactionWork {

    private TransactionWork() {
    }

    /**
     * The body of one attempt.
     *
     * @param kind the kind of operation
     * @param work the caller's work
     * @param tracker the attempt's progress
     * @param <T> the result type
     * @return the body to run on the attempt's connection
     */
    static <T> Function<Connection, Publisher<T>> body(OperationKind kind,
            Function<? super Connection, ? extends Publisher<T>> work, AttemptTracker tracker) {
        if (kind != OperationKind.TRANSACTION) {
            // Applied when the attempt's connection is in hand, just before its results are subscribed
            // (Flux.usingWhen does both at once, and turns a throwing work into the attempt's error).
            return connection -> {
                tracker.reached(Progress.SENT);
                return work.apply(connection);
            };
        }
        return connection -> Mono.defer(() -> {
                    tracker.reached(Progress.SENT);
                    return Mono.from(connection.beginTransaction());
                })
                .thenMany(Flux.defer(() -> work.apply(connection)))
                .collectList()
                .flatMap(results -> Mono.defer(() -> {
                    tracker.reached(Progress.COMMIT_SENT);
                    return Mono.from(connection.commitTransaction());
                }).then(Mono.fromSupplier(() -> {
                    tracker.reached(Progress.COMMITTED);
                    return results;
                })))
                .flatMapIterable(Function.<List<T>>identity());
    }
}
