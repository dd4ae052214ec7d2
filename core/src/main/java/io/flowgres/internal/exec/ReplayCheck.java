package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.flowgres.internal.Lsn;
import io.flowgres.routing.ConsistencyToken;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Checks, on a replica's own connection, that it has replayed a caller's consistency token before
 * the caller's read runs there ({@link io.flowgres.internal.routing.Router.Selection.CheckReplay}).
 * The replica usually has a write milliseconds after its commit, long before the next probe sees
 * it; if it has not, the check polls briefly (a few milliseconds apart, growing), then gives up with
 * {@link ReplicaBehindException} so that the read is tried elsewhere. It never waits long: a replica
 * that is behind because the primary cannot send (frozen) will not catch up by waiting.
 */
final class ReplayCheck {

    /** The longest a check polls a replica that has not yet replayed the token. */
    static final Duration MAX_WAIT = Duration.ofMillis(250);

    private static final String POSITION = "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
            + " ELSE pg_current_wal_lsn() END)::text";

    private final LongSupplier ticker;
    private final Scheduler timer;

    /**
     * Creates the check.
     *
     * @param ticker the pipeline's clock, in nanoseconds
     * @param timer the scheduler of the polls' delays
     */
    ReplayCheck(LongSupplier ticker, Scheduler timer) {
        this.ticker = ticker;
        this.timer = timer;
    }

    /**
     * Completes once the node behind {@code connection} has replayed {@code token}.
     *
     * @param connection a connection to the replica
     * @param node the replica's name, for the error
     * @param token the position it must have replayed
     * @param bound how long it may poll at most (capped at {@link #MAX_WAIT})
     * @return empty on success; {@link ReplicaBehindException} when it is still behind
     */
    Mono<Void> await(Connection connection, String node, ConsistencyToken token, Duration bound) {
        long deadline = ticker.getAsLong() + Math.min(bound.toNanos(), MAX_WAIT.toNanos());
        return poll(connection, node, token, deadline, 0);
    }

    private Mono<Void> poll(Connection connection, String node, ConsistencyToken token, long deadline, int polls) {
        return position(connection).flatMap(replayed -> {
            if (token.isSatisfiedBy(replayed)) {
                return Mono.empty();
            }
            if (ticker.getAsLong() >= deadline) {
                return Mono.error(new ReplicaBehindException(node, replayed, token));
            }
            Duration pause = Duration.ofMillis(Math.min(20, 1L << Math.min(polls, 5)));
            return Mono.delay(pause, timer).then(poll(connection, node, token, deadline, polls + 1));
        });
    }

    /** The node's replay position (its WAL position if it is out of recovery); -1 when it has none. */
    private static Mono<Long> position(Connection connection) {
        return Flux.from(connection.createStatement(POSITION).execute())
                .flatMap(result -> result.map(row -> {
                    String text = row.get(0, String.class);
                    return text == null ? -1L : Lsn.parse(text);
                }))
                .next()
                .defaultIfEmpty(-1L);
    }
}
