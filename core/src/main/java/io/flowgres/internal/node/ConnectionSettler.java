package io.flowgres.internal.node;

import java.time.Duration;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Returns connections to their pool safely, whatever happened to the work on them.
 *
 * <p>After an error, an open transaction is rolled back first. After a cancellation (by the
 * subscriber, a deadline, a hedge that won elsewhere, a {@code take}), the connection
 * <em>settles</em>: a statement that had already finished, or a cursor the driver closes at its
 * next batch, leaves the connection idle within a short {@linkplain #CANCEL_GRACE grace}, and a
 * round trip proves it, so it goes back to the pool. A statement still running after the grace is
 * cancelled on the server and the physical connection is closed, so the pool discards it: PostgreSQL
 * delivers a cancel to the backend asynchronously, and on a reused connection it could abort
 * whatever statement that backend runs next.
 *
 * <p>While a connection settles it counts as load on the node; an abandoned statement that had not
 * answered teaches the latency average how long it really took (or at least took): abandoned reads
 * are the slow ones, and a replica whose slow reads are all hedged away must still look slow.
 */
final class ConnectionSettler {

    /** How long a cancelled connection may take to become idle by itself. */
    static final Duration CANCEL_GRACE = Duration.ofMillis(250);
    /** Bound on asking the server to cancel a statement; the connection is discarded either way. */
    static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(2);

    private final LoadTracker load;
    private final NodeHealth health;
    private final Scheduler timer;

    ConnectionSettler(LoadTracker load, NodeHealth health, Scheduler timer) {
        this.load = load;
        this.health = health;
        this.timer = timer;
    }

    /** Releases a connection after an error, rolling back a transaction left open. */
    static Mono<Void> release(Connection connection) {
        return release(connection, Mono.empty());
    }

    /** Releases a connection, rolling back a transaction left open, then resetting its session. */
    private static Mono<Void> release(Connection connection, Mono<Void> reset) {
        return Mono.defer(() -> connection.isAutoCommit()
                        ? Mono.<Void>empty()
                        : Mono.from(connection.rollbackTransaction()).onErrorResume(error -> Mono.empty()))
                .then(resetThenClose(connection, reset));
    }

    /**
     * Resets what a borrower changed in the session, then returns the connection to its pool; one whose
     * session cannot be reset is discarded rather than handed to the next borrower dirty. A {@code null}
     * reset (nothing changed, the common case) closes at once.
     */
    static Mono<Void> resetThenClose(Connection connection, @Nullable Mono<Void> reset) {
        Mono<Void> close = Mono.defer(() -> Mono.from(connection.close()));
        return (reset == null ? close : reset.then(close)).onErrorResume(error -> cancelAndDiscard(connection));
    }

    /**
     * Settles the connection of cancelled work.
     *
     * @param connection the connection
     * @param unansweredSince when the connection was acquired if the work had not answered, else 0
     * @return completes when the connection is back in the pool or discarded
     */
    Mono<Void> settle(Connection connection, long unansweredSince) {
        return settle(connection, unansweredSince, Mono.empty());
    }

    /**
     * Settles the connection of cancelled work like {@link #settle(Connection, long)}, resetting its
     * session with {@code reset} before it goes back to the pool.
     *
     * @param connection the connection
     * @param unansweredSince when the connection was acquired if the work had not answered, else 0
     * @param reset undoes the borrower's session settings
     * @return completes when the connection is back in the pool or discarded
     */
    Mono<Void> settle(Connection connection, long unansweredSince, Mono<Void> reset) {
        return settle(connection, unansweredSince, reset, CANCEL_GRACE);
    }

    /**
     * Settles the connection of cancelled work like {@link #settle(Connection, long, Mono)}, with a grace
     * of its own: how long the statement may still take to end by itself before it is cancelled on the
     * server and the connection discarded.
     *
     * @param connection the connection
     * @param unansweredSince when the connection was acquired if the work had not answered, else 0
     * @param reset undoes the borrower's session settings
     * @param grace how long the connection may take to become idle
     * @return completes when the connection is back in the pool or discarded
     */
    Mono<Void> settle(Connection connection, long unansweredSince, Mono<Void> reset, Duration grace) {
        return Mono.defer(() -> {
            load.settlingStarted();
            return Mono.from(connection.validate(ValidationDepth.REMOTE))
                    .timeout(grace, timer)
                    .onErrorReturn(false)
                    .defaultIfEmpty(false)
                    .flatMap(idle -> {
                        long now = load.now();
                        if (unansweredSince != 0) {
                            health.recordLatency(now - unansweredSince, now);
                        }
                        if (idle) {
                            load.answered();
                            return release(connection, reset);
                        }
                        return cancelAndDiscard(connection);
                    })
                    .doFinally(signal -> load.settlingEnded());
        });
    }

    /**
     * Asks the server to cancel the statement a connection still runs, then closes the physical
     * connection, so the pool invalidates it when it is released instead of handing it out again.
     */
    static Mono<Void> cancelAndDiscard(Connection connection) {
        Connection raw = connection instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof Connection inner
                ? inner
                : connection;
        Mono<Void> cancel = raw instanceof PostgresqlConnection postgres
                ? postgres.cancelRequest().timeout(CANCEL_TIMEOUT).onErrorResume(error -> Mono.empty())
                : Mono.empty();
        Mono<Void> closePhysical = raw == connection
                ? Mono.empty()
                : Mono.from(raw.close()).onErrorResume(error -> Mono.empty());
        return cancel.then(closePhysical).then(Mono.from(connection.close()).onErrorResume(error -> Mono.empty()));
    }
}
