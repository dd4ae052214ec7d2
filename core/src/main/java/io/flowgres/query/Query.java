package io.flowgres.query;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import io.flowgres.internal.Checks;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import org.jspecify.annotations.Nullable;

/**
 * A named unit of work. The name ({@code pitches.byId}) is what metrics, slow-query reports,
 * routing rules and cache keys use, so it is a short, fixed word, never SQL text or user input.
 * A query may narrow its route, set its own deadline, or declare itself idempotent, which allows
 * a write to be retried after it may have reached the server.
 *
 * <p>Immutable: each {@code with…} method returns a copy.
 */
public final class Query {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}");

    private final String name;
    private final @Nullable Route route;
    private final @Nullable Duration timeout;
    private final boolean idempotent;
    private final @Nullable ConsistencyToken consistency;
    private final boolean hedged;

    private Query(String name, @Nullable Route route, @Nullable Duration timeout, boolean idempotent,
            @Nullable ConsistencyToken consistency) {
        this(name, route, timeout, idempotent, consistency, true);
    }

    private Query(String name, @Nullable Route route, @Nullable Duration timeout, boolean idempotent,
            @Nullable ConsistencyToken consistency, boolean hedged) {
        this.hedged = hedged;
        this.name = name;
        this.route = route;
        this.timeout = timeout;
        this.idempotent = idempotent;
        this.consistency = consistency;
    }

    /**
     * A query with the given name, the operation's default route and the cluster's deadline.
     *
     * @param name 1-100 letters, digits or {@code _ . : -}, starting with a letter or digit
     * @return the query
     * @throws IllegalArgumentException for a bad name
     */
    public static Query named(String name) {
        Checks.notNull(name, "query name");
        Checks.argument(NAME.matcher(name).matches(),
                "query name must be 1-100 letters, digits, '_', '.', ':' or '-', was '%s'", name);
        return new Query(name, null, null, false, null);
    }

    /**
     * A copy that runs on the given route (reads only; writes always run on the primary).
     *
     * @param route the route
     * @return the copy
     */
    public Query withRoute(Route route) {
        return new Query(name, Checks.notNull(route, "route"), timeout, idempotent, consistency, hedged);
    }

    /**
     * A copy with its own deadline for the whole operation, all attempts included.
     *
     * @param timeout positive
     * @return the copy
     */
    public Query withTimeout(Duration timeout) {
        return new Query(name, route, Checks.positive(timeout, "timeout"), idempotent, consistency, hedged);
    }

    /**
     * A copy marked idempotent: running it twice has the same effect as once (an upsert, a delete by
     * key, an update that sets absolute values), so it may be retried even when the first attempt
     * may have reached the server.
     *
     * @return the copy
     */
    public Query idempotent() {
        return new Query(name, route, timeout, true, consistency, hedged);
    }

    /**
     * A copy that reads its caller's own write: it runs only on a replica that has replayed the
     * write the token came from, else on the primary.
     *
     * @param token the token a write returned, or {@code null} for none
     * @return the copy
     */
    public Query withConsistency(@Nullable ConsistencyToken token) {
        return new Query(name, route, timeout, idempotent, token, hedged);
    }

    /** The token a read must be consistent with, or {@code null}. */
    public @Nullable ConsistencyToken consistency() {
        return consistency;
    }

    /** The query's name. */
    public String name() {
        return name;
    }

    /** The route, or {@code null} for the operation's default. */
    public @Nullable Route route() {
        return route;
    }

    /** The deadline, or {@code null} for the cluster's default. */
    public @Nullable Duration timeout() {
        return timeout;
    }

    /** Whether this is a long stream paced by its consumer (see {@link #streaming()}). */
    public boolean isStreaming() {
        return !hedged;
    }

    /**
     * A copy marked as a long stream paced by its consumer, such as an export: it is never hedged (a
     * stream read twice on two replicas costs twice and gains nothing once its first row has come),
     * and its silence is not taken for a hung node (back-pressure is silent).
     *
     * @return the copy
     */
    public Query streaming() {
        return new Query(name, route, timeout, idempotent, consistency, false);
    }

    /** Whether the query may be retried after it may have reached the server. */
    public boolean isIdempotent() {
        return idempotent;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Query that && name.equals(that.name) && route == that.route
                && Objects.equals(timeout, that.timeout) && idempotent == that.idempotent
                && Objects.equals(consistency, that.consistency);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, route, timeout, idempotent, consistency);
    }

    @Override
    public String toString() {
        return "Query{" + name + (route == null ? "" : ", " + route) + (timeout == null ? "" : ", timeout=" + timeout)
                + (idempotent ? ", idempotent" : "") + (consistency == null ? "" : ", after " + consistency) + "}";
    }
}
