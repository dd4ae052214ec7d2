package io.flowgres.load.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The run's clock and its log of events: which phase is current, what the fault scheduler did and
 * when, and what the service's topology showed. Times are nanoseconds since the run began
 * ({@link #begin()}, at its first request). Thread-safe.
 */
final class Timeline {

    /** Events written by the fault scheduler. */
    static final String FAULT = "fault";
    /** Events written by the topology watch. */
    static final String TOPOLOGY = "topology";

    private final List<Event> events = new ArrayList<>();
    private volatile long origin = System.nanoTime();
    private volatile int phase;

    /** Starts the clock again from now: the run begins. */
    void begin() {
        origin = System.nanoTime();
    }

    /** Nanoseconds since the run began. */
    long now() {
        return System.nanoTime() - origin;
    }

    /** The index of the current phase. */
    int phase() {
        return phase;
    }

    /**
     * Makes a phase current and records that it began.
     *
     * @param index the phase's index
     * @param begins the event's text
     */
    void enter(int index, String begins) {
        phase = index;
        event(FAULT, begins);
    }

    /**
     * Records an event in the current phase.
     *
     * @param source {@link #FAULT} or {@link #TOPOLOGY}
     * @param what what happened, e.g. {@code primary paused} or {@code primary: up -> down}
     */
    synchronized void event(String source, String what) {
        events.add(new Event(now(), phase, source, what));
    }

    /** Every event so far, in order. */
    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** The first event at or after {@code fromNanos} that matches, if any. */
    synchronized Optional<Event> first(long fromNanos, Predicate<Event> match) {
        return events.stream().filter(event -> event.atNanos() >= fromNanos).filter(match).findFirst();
    }

    /**
     * One entry of the log.
     *
     * @param atNanos when, in nanoseconds since the run began
     * @param phase the phase current then
     * @param source who wrote it
     * @param what what happened
     */
    record Event(long atNanos, int phase, String source, String what) {

        /** Whether this is a fault event with exactly this text. */
        boolean isFault(String text) {
            return FAULT.equals(source) && what.equals(text);
        }

        @Override
        public String toString() {
            return String.format("%8.3f s  %-8s %s", atNanos / 1e9, source, what);
        }
    }
}
