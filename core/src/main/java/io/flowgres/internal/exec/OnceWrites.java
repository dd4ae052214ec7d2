package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.function.Function;

import io.flowgres.query.Committed;
import io.flowgres.query.IdempotencyKeyReusedException;
import io.flowgres.query.Once;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Writes run at most once per idempotency key, in one transaction with the key (see {@link Once}):
 * the key's row is inserted first, so a concurrent repeat waits on its lock; the work runs only when
 * the row is new, and its encoded response is stored beside the key before {@code COMMIT}. Because a
 * repeat can only replay or write, an operation whose {@code COMMIT} went unanswered is safe to run
 * again, and is: up to {@value #OUTCOME_RETRIES} more times, after a backoff.
 */
public final class OnceWrites {

    /** How many times an outcome-unknown run is repeated; a repeat replays when the first committed. */
    static final int OUTCOME_RETRIES = 2;

    private static final Duration OUTCOME_BACKOFF = Duration.ofMillis(200);

    private OnceWrites() {
    }

    /**
     * Runs the work at most once for the key.
     *
     * @param executor the pipeline the transaction runs through (retries, deadline, breaker)
     * @param timer the scheduler of the backoff before an outcome-unknown repeat
     * @param query the named query
     * @param key the idempotency key
     * @param fingerprint what identifies the request, e.g. a hash of its method, path and body
     * @param keep how long the key and its response are kept
     * @param work the write; emits the response to store, encoded as text
     * @return the stored response, whether it was replayed, and a token
     */
    public static Mono<Once> run(QueryExecutor executor, Scheduler timer, Query query, String key, String fingerprint,
            Duration keep, Function<? super Connection, ? extends Mono<String>> work) {
        Mono<Committed<Once>> once = executor.executeCommitted(OperationKind.TRANSACTION, query,
                connection -> body(connection, query, key, fingerprint, keep, work));
        return once.retryWhen(Retry.backoff(OUTCOME_RETRIES, OUTCOME_BACKOFF).scheduler(timer)
                        .filter(OutcomeUnknownException.class::isInstance)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .map(committed -> {
                    Once stored = committed.results().get(0);
                    return new Once(stored.response(), stored.replayed(), committed.token());
                });
    }

    private static Mono<Once> body(Connection connection, Query query, String key, String fingerprint,
            Duration keep, Function<? super Connection, ? extends Mono<String>> work) {
        Mono<Long> forgetExpired = updated(connection.createStatement(
                "DELETE FROM flowgres_idempotency WHERE key = $1 AND expires_at < now()").bind("$1", key).execute());
        // Waits while another transaction holds the same new key, then inserts nothing if it committed.
        Mono<Long> claim = updated(connection.createStatement("INSERT INTO flowgres_idempotency "
                        + "(key, fingerprint, response, expires_at) VALUES ($1, $2, '', now() + make_interval(secs => $3)) "
                        + "ON CONFLICT (key) DO NOTHING")
                .bind("$1", key).bind("$2", fingerprint).bind("$3", keep.toMillis() / 1000.0).execute());
        return forgetExpired.then(claim).flatMap(claimed -> claimed == 1
                ? work.apply(connection)
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                "writeOnce work for " + query.name() + " emitted no response to store")))
                        .flatMap(response -> updated(connection.createStatement(
                                        "UPDATE flowgres_idempotency SET response = $2 WHERE key = $1")
                                        .bind("$1", key).bind("$2", response).execute())
                                .thenReturn(new Once(response, false, ConsistencyToken.writerOnly())))
                : stored(connection, query, key, fingerprint));
    }

    private static Mono<Once> stored(Connection connection, Query query, String key, String fingerprint) {
        return Flux.from(connection.createStatement(
                        "SELECT fingerprint, response FROM flowgres_idempotency WHERE key = $1").bind("$1", key)
                        .execute())
                .flatMap(result -> result.map((Readable row) -> new String[] {row.get(0, String.class),
                        row.get(1, String.class)}))
                .single()
                .flatMap(row -> fingerprint.equals(row[0])
                        ? Mono.just(new Once(row[1], true, ConsistencyToken.writerOnly()))
                        : Mono.error(new IdempotencyKeyReusedException("idempotency key '" + key
                                + "' was first used for a different request", query.name())));
    }

    private static Mono<Long> updated(Publisher<? extends Result> results) {
        return Flux.from(results).flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
    }
}
