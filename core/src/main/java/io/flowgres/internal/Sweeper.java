package io.flowgres.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * Looks at everything it watches once every tick, while it watches anything: the timer of many
 * short-lived waits (deadlines, silence, hedge delays) at the cost of one scheduled task per tick
 * instead of one per wait. Scheduling and cancelling a task on Reactor's shared scheduler takes a
 * locked delay queue and usually wakes its thread, which under load cost a point read microseconds
 * per timer; adding a wait here is a lock-free queue offer. Waits end up to one tick late.
 * Internal: not part of the API and free to change.
 */
public final class Sweeper {

    /** Something watched: looked at on every sweep until it says it is done. */
    public interface Watched {

        /**
         * A sweep looks at it.
         *
         * @param nowNanos the sweep's time on the sweeper's clock
         * @return whether to go on watching it
         */
        boolean looked(long nowNanos);
    }

    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    private final long tickNanos;
    /**
     * One worker of the timer, so that every sweep runs on the same thread and schedules the next
     * where it runs: on the scheduler itself each sweep went to the next of its threads, and handing
     * over woke that thread (a futex call) on every tick.
     */
    private final Scheduler.Worker worker;
    private final LongSupplier ticker;
    /** Added since the last sweep; offered by any thread. */
    private final Queue<Watched> arrivals = new ConcurrentLinkedQueue<>();
    /** What is being watched; touched by the sweep only (one is scheduled at a time). */
    private final List<Watched> watched = new ArrayList<>();
    /** Whether a sweep is scheduled: set by the first arrival, cleared by a sweep that finds nothing to watch. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /**
     * Creates a sweeper.
     *
     * @param tick the time between two sweeps
     * @param timer the scheduler of the sweeps
     * @param ticker the sweeps' clock, in nanoseconds
     */
    public Sweeper(Duration tick, Scheduler timer, LongSupplier ticker) {
        this.tickNanos = tick.toNanos();
        this.worker = timer.createWorker();
        this.ticker = ticker;
    }

    /** The sweeper's clock, in nanoseconds. */
    public long now() {
        return ticker.getAsLong();
    }

    /**
     * Watches something from the next sweep on, until it says it is done.
     *
     * @param arrival what to watch
     */
    public void add(Watched arrival) {
        arrivals.offer(arrival);
        if (armed.compareAndSet(false, true)) {
            scheduleSweep();
        }
    }

    private void scheduleSweep() {
        worker.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
    }

    private void sweep() {
        for (Watched arrival = arrivals.poll(); arrival != null; arrival = arrivals.poll()) {
            watched.add(arrival);
        }
        long now = now();
        int kept = 0;
        for (int i = 0; i < watched.size(); i++) {
            Watched one = watched.get(i);
            boolean keep;
            try {
                keep = one.looked(now);
            } catch (RuntimeException | Error e) {
                // What a wait's end runs (an attempt's error handling, a hedge) must not stop the sweeps of the rest.
                log.error("A sweep's wait failed; it is dropped and the sweeps go on", e);
                keep = false;
            }
            if (keep) {
                watched.set(kept++, one);
            }
        }
        watched.subList(kept, watched.size()).clear();
        if (watched.isEmpty()) {
            armed.set(false);
            // An arrival that found the sweeper still armed counts on this sweep to see it.
            if (arrivals.isEmpty() || !armed.compareAndSet(false, true)) {
                return;
            }
        }
        scheduleSweep();
    }
}
