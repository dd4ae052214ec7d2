package io.flowgres.load.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request's {@link Outcome}, recorded by the simulation's virtual users as answers come, up to
 * a bound (past it outcomes are counted as dropped, and the report says so). Thread-safe.
 */
final class OutcomeRecorder {

    private final int capacity;
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    OutcomeRecorder(int capacity) {
        this.capacity = capacity;
    }

    void record(Outcome outcome) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        outcomes.add(outcome);
    }

    /** The outcomes recorded so far, in no particular order. */
    List<Outcome> outcomes() {
        return new ArrayList<>(outcomes);
    }

    /** Outcomes not recorded because the bound was reached. */
    long dropped() {
        return dropped.get();
    }
}
