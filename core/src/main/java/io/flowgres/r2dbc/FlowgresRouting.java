package io.flowgres.r2dbc;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import io.flowgres.internal.Checks;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.routing.Staleness;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Where the connections of a subscription come from when they are obtained through
 * {@link io.flowgres.Flowgres#connectionFactory()}: entries of the Reactor {@link Context}, read by
 * the factory each time a connection is created.
 *
 * <p>Without an entry a connection comes from the writer ({@link Route#PRIMARY}): the factory never
 * guesses from SQL, because only the application knows whether a unit of work may see slightly old
 * data. Work marked {@link #readOnly()} goes to an eligible replica (lag within bounds, the
 * {@linkplain #consistency consistency token} replayed, the {@linkplain #staleness staleness budget}
 * respected), else to the writer.
 *
 * <pre>{@code
 * databaseClient.sql("SELECT title FROM pitch").map(row -> row.get(0, String.class)).all()
 *         .contextWrite(FlowgresRouting.readOnly());
 * }</pre>
 *
 * <p>Spring transactions need no entry: the Flowgres starter's transaction manager writes the
 * transaction's read-only flag into the context before it obtains the connection.
 */
public final class FlowgresRouting {

    private static final Object ROUTE_KEY = FlowgresRouting.class.getName() + ".route";
    private static final Object TOKEN_KEY = FlowgresRouting.class.getName() + ".consistency";
    private static final Object WRITES_KEY = FlowgresRouting.class.getName() + ".writes";

    private FlowgresRouting() {
    }

    /**
     * Marks the work read-only: its connections come from a replica when one is eligible, else from
     * the writer ({@link Route#REPLICA_PREFERRED}).
     *
     * @return a function for {@code contextWrite}
     */
    public static Function<Context, Context> readOnly() {
        return route(Route.REPLICA_PREFERRED);
    }

    /**
     * Routes the work's connections explicitly.
     *
     * @param route {@link Route#PRIMARY} (the default), {@link Route#REPLICA_PREFERRED} or
     *        {@link Route#REPLICA_ONLY} (fails with an unavailable error when no replica is eligible)
     * @return a function for {@code contextWrite}
     */
    public static Function<Context, Context> route(Route route) {
        Checks.notNull(route, "route");
        return context -> context.put(ROUTE_KEY, route);
    }

    /**
     * Makes replica connections of the work see a write: only a replica that has replayed the
     * token's position qualifies, else the writer serves.
     *
     * @param token the token a committed write returned
     * @return a function for {@code contextWrite}
     */
    public static Function<Context, Context> consistency(ConsistencyToken token) {
        Checks.notNull(token, "token");
        return context -> context.put(TOKEN_KEY, token);
    }

    /**
     * Bounds how far behind a replica serving the work may be (the same entry as
     * {@link Staleness#atMost}).
     *
     * @param budget zero or more; zero means only fully caught-up replicas
     * @return a function for {@code contextWrite}
     * @throws IllegalArgumentException for a negative budget
     */
    public static Function<Context, Context> staleness(Duration budget) {
        return Staleness.atMost(budget);
    }

    /**
     * Records what the work writes on the writer, for reading it back: when a writer connection of
     * the work that ran a statement in auto-commit mode or committed a transaction is closed, the
     * factory reads the writer's position on it ({@link ConsistencyToken#afterCommit}, one round trip
     * before the connection goes back to its pool) and hands the token to {@code recorder}. The
     * starter's consistency filter records each request's writes this way.
     *
     * @param recorder takes the token of each such connection; called on the closing thread
     * @return a function for {@code contextWrite}
     */
    public static Function<Context, Context> recordWrites(Consumer<ConsistencyToken> recorder) {
        Checks.notNull(recorder, "recorder");
        return context -> context.put(WRITES_KEY, recorder);
    }

    /**
     * Where the writes of a subscription are recorded.
     *
     * @param context the subscriber's context
     * @return the recorder written by {@link #recordWrites}, if any
     */
    public static Optional<Consumer<ConsistencyToken>> writeRecorderOf(ContextView context) {
        return context.getOrEmpty(WRITES_KEY);
    }

    /**
     * The route a subscription's connections take.
     *
     * @param context the subscriber's context
     * @return the route written by {@link #route} or {@link #readOnly()}, else {@link Route#PRIMARY}
     */
    public static Route routeOf(ContextView context) {
        return context.<Route>getOrEmpty(ROUTE_KEY).orElse(Route.PRIMARY);
    }

    /**
     * The consistency token of a subscription.
     *
     * @param context the subscriber's context
     * @return the token written by {@link #consistency}, if any
     */
    public static Optional<ConsistencyToken> consistencyOf(ContextView context) {
        return context.getOrEmpty(TOKEN_KEY);
    }
}
