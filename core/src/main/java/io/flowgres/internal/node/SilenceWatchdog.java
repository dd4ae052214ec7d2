package io.flowgres.internal.node;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Tells a hung node from a slow query. Whenever an attempt has heard nothing from its node for a
 * window, the node is asked, on another connection, whether it is alive: a node that answers is
 * working (a long sort, a lock wait), so the attempt goes on and the next window is twice as long;
 * a node that does not answer is hung (frozen, partitioned), and the attempt fails at once with a
 * {@link NodeSilentException} — in a fraction of a second instead of at its deadline.
 *
 * <p>Any signal of the attempt (a row, a result) starts a new first window.
 */
final class SilenceWatchdog {

    /** The name timeouts give in their errors: a Flowgres attempt on a node. */
    static final String ATTEMPT_NAME = "flowgres.attempt";

    private SilenceWatchdog() {
    }

    /** The node did not answer a liveness check while an attempt waited on it. */
    static final class NodeSilentException extends TimeoutException {

        private static final long serialVersionUID = 1L;

        NodeSilentException(String node, Duration silence) {
            super(node + " answered nothing for " + silence.toMillis() + " ms and failed a liveness check");
        }
    }

    /**
     * Watches an attempt.
     *
     * @param attempt the attempt
     * @param node the node's name, for the error
     * @param first the first window, from subscription or the last signal
     * @param ceiling the longest window
     * @param alive a fresh liveness check per call: {@code true} when the node answered in time
     * @param timer the scheduler of the windows
     * @param <T> the result type
     * @return the attempt, failing with {@link NodeSilentException} when its node is hung
     */
    static <T> Flux<T> watch(Flux<T> attempt, String node, Duration first, Duration ceiling,
            Supplier<Mono<Boolean>> alive, Scheduler timer) {
        return named(attempt).timeout(silence(node, first, first, ceiling, alive, timer),
                item -> silence(node, first, first, ceiling, alive, timer));
    }

    /**
     * Names an attempt before a {@code timeout} operator is put on it. Reactor's timeout describes its
     * source at assembly by walking the operator chain for a name (a few microseconds of class-name
     * parsing per attempt, seen at 1.5 % of the event loops' CPU under load); a named source ends the
     * walk at once, and the name says which timeout fired.
     *
     * @param attempt the attempt
     * @param <T> the result type
     * @return the same attempt, named
     */
    static <T> Flux<T> named(Flux<T> attempt) {
        return attempt.name(ATTEMPT_NAME);
    }

    /** Emits once the node is found hung; stays silent (checking again later) while it answers. */
    private static Mono<Long> silence(String node, Duration window, Duration waited, Duration ceiling,
            Supplier<Mono<Boolean>> alive, Scheduler timer) {
        return Mono.delay(window, timer)
                .flatMap(tick -> alive.get())
                .flatMap(answered -> {
                    if (!answered) {
                        return Mono.error(new NodeSilentException(node, waited));
                    }
                    Duration next = window.multipliedBy(2).compareTo(ceiling) > 0 ? ceiling : window.multipliedBy(2);
                    return silence(node, next, waited.plus(next), ceiling, alive, timer);
                });
    }
}
