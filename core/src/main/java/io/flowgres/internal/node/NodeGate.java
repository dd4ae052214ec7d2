package io.flowgres.internal.node;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.flowgres.internal.Checks;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * Whether a node takes new work: its circuit breaker (closed or half-open lets calls through) and
 * the operator's drain switch. A drained replica finishes what it runs and gets nothing new.
 */
public final class NodeGate {

    private final String name;
    private final NodeRole role;
    private final CircuitBreaker breaker;
    private final Duration openDuration;
    private final LongSupplier clock;
    private final AtomicLong openedAtNanos = new AtomicLong();
    private volatile long answeredBeforeOutageNanos;
    private volatile boolean drained;

    /**
     * Creates the gate of one node.
     *
     * @param name the node's name
     * @param role the node's configured role
     * @param breaker its circuit breaker
     * @param openDuration the breaker's open time, for retry-after hints
     * @param clock the pipeline's clock, in nanoseconds
     */
    public NodeGate(String name, NodeRole role, CircuitBreaker breaker, Duration openDuration, LongSupplier clock) {
        this.name = name;
        this.role = role;
        this.breaker = breaker;
        this.openDuration = openDuration;
        this.clock = clock;
        breaker.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAtNanos.set(clock.getAsLong());
            }
        });
    }

    /** The node's circuit breaker. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Whether the breaker lets calls through (closed or half-open). */
    public boolean isAvailable() {
        CircuitBreaker.State state = breaker.getState();
        return state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN;
    }

    /** How long until an open breaker lets trial calls through; zero when it is not open. */
    public Duration retryAfter() {
        if (isAvailable()) {
            return Duration.ZERO;
        }
        Duration left = openDuration.minusNanos(clock.getAsLong() - openedAtNanos.get());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * Told that the prober found the node unreachable; the outage began after its last good probe.
     *
     * @param lastAnsweredNanos when the probe before the failed one answered, on the gate's clock
     */
    public void wentDown(long lastAnsweredNanos) {
        answeredBeforeOutageNanos = lastAnsweredNanos;
    }

    /**
     * Told that the prober found the node reachable again after an outage: the breaker forgets what
     * the outage taught it. A closed breaker's window holds calls that failed in the outage the prober
     * judged already; left there, they made the first calls after the return reach the breaker's
     * minimum with the outage's failure rate, so it opened on a node that answered again and refused
     * its work for a whole open period. A breaker that opened in the outage (after the node's last
     * good probe before it) is closed, the good probes in a row that returned the node being its trial.
     * A breaker that opened while probes still found the node answering stays as it is: calls were
     * failing on a reachable node, which a probe that answers says nothing about.
     */
    public void returned() {
        boolean openedWhileAnswering = breaker.getState() != CircuitBreaker.State.CLOSED
                && openedAtNanos.get() - answeredBeforeOutageNanos < 0;
        if (!openedWhileAnswering) {
            breaker.reset();
        }
    }

    /**
     * Takes the node out of rotation: routing sends it no new work. Only replicas can be drained;
     * the primary has no stand-in.
     *
     * @throws IllegalStateException for the primary
     */
    public void drain() {
        Checks.state(role != NodeRole.PRIMARY, "the primary cannot be drained, was %s", name);
        drained = true;
    }

    /** Puts a drained node back into rotation. */
    public void undrain() {
        drained = false;
    }

    /** Whether the node is drained. */
    public boolean isDrained() {
        return drained;
    }

    /** The breaker's state in lower case, for reports. */
    public String breakerState() {
        return breaker.getState().name().toLowerCase(java.util.Locale.ROOT);
    }
}
