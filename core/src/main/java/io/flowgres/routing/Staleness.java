package io.flowgres.routing;

import java.time.Duration;
import java.util.Optional;

import io.flowgres.internal.Checks;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A per-request staleness budget, carried in the Reactor {@link Context}: reads of the subscription
 * that carries it go only to replicas at most that far behind (tighter or looser than the cluster's
 * {@code maxLag}), else to the primary.
 *
 * <pre>{@code
 * flowgres.read(query, work).contextWrite(Staleness.atMost(Duration.ofMillis(200)));
 * }</pre>
 */
public final class Staleness {

    private static final Object KEY = Staleness.class;

    private Staleness() {
    }

    /**
     * A context entry allowing at most this much lag.
     *
     * @param budget zero or more; zero means only fully caught-up replicas
     * @return a function for {@code contextWrite}
     */
    public static java.util.function.Function<Context, Context> atMost(Duration budget) {
        Checks.notNegative(budget, "staleness budget");
        return context -> context.put(KEY, budget);
    }

    /**
     * Reads the budget of a subscription.
     *
     * @param context the subscriber's context
     * @return the budget, if one was set
     */
    public static Optional<Duration> of(ContextView context) {
        return context.getOrEmpty(KEY);
    }
}
