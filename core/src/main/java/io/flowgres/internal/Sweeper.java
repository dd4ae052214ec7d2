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
 * short-lived waits (deadlines, silence, hedge delays) at the cost of one sweep per tick instead of
 * one timer per wait. Scheduling and cancelling a task on Reactor's shared scheduler takes a locked
 * delay queue and usually wakes its thread, which under load cost a point read microseconds per
 * timer; adding a wait here is a lock-free queue offer. Waits end up to one tick late (up to
 * {@link #BACKSTOP_TICKS} just when new waits stop arriving, see below).
 *
 * <p>While waits keep arriving, the arrivals sweep: an arrival that finds the last sweep a tick or
 * more ago sweeps on its own thread (the work that just added a wait, on its event loop), and the
 * timer, which then has little to do, looks only every {@link #BACKSTOP_TICKS} ticks, for the
 * moment arrivals stop. Woken every tick, the timer's thread cost a point read 3 µs of CPU at
 * 15,000 reads a second (a timed park and its wake-up per tick; issue #16), more than the sweeps.
 * When nothing arrives for a while, the timer sweeps every tick again. Internal: not part of the API
 * and free to change.
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

    /**
     * How many ticks the timer waits between its own sweeps while arrivals have swept since its last
     * one: how late a wait may end, at most, in the moment arrivals stop.
     */
    static final int BACKSTOP_TICKS = 8;

    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    private final long tickNanos;
    /**
     * One worker of the timer, so that every timer sweep runs on the same thread and schedules the
     * next where it runs: on the scheduler itself each sweep went to the next of its threads, and
     * handing over woke that thread (a futex call) on every tick.
     */
    private final Scheduler.Worker worker;
    private final LongSupplier ticker;
    /** Added since the last sweep; offered by any thread. */
    private final Queue<Watched> arrivals = new ConcurrentLinkedQueue<>();
    /** What is being watched; touched by the sweep holding {@link #sweeping} only. */
    private final List<Watched> watched = new ArrayList<>();
    /** Whether a timer sweep is scheduled: set by the first arrival, cleared by one that finds nothing to watch. */
    private final AtomicBoolean armed = new AtomicBoolean();
    /** Held by the one sweep that runs, the timer's or an arrival's. */
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** When the last sweep began, on the sweeper's clock. */
    private volatile long lastSweepNanos;
    /** Whether an arrival swept since the timer's last sweep: the timer may then wait longer. */
    private volatile boolean arrivalSwept;

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
        this.lastSweepNanos = ticker.getAsLong();
    }

    /** The sweeper's clock, in nanoseconds. */
    public long now() {
        return ticker.getAsLong();
    }

    /**
     * Watches something from the next sweep on, until it says it is done. When the last sweep was a
     * tick or more ago, this call sweeps, on the caller's thread, unless another sweep runs.
     *
     * @param arrival what to watch
     * @param nowNanos the time now on the sweeper's clock (the caller has just read it)
     */
    public void add(Watched arrival, long nowNanos) {
        arrivals.offer(arrival);
        if (armed.compareAndSet(false, true)) {
            scheduleSweep(tickNanos);
        } else if (nowNanos - lastSweepNanos >= tickNanos && sweeping.compareAndSet(false, true)) {
            arrivalSwept = true;
            try {
                // The timer may have found nothing to watch and stopped since this arrival found it armed.
                if (sweep(nowNanos) && armed.compareAndSet(false, true)) {
                    scheduleSweep(tickNanos);
                }
            } finally {
                sweeping.set(false);
            }
        }
    }

    private void scheduleSweep(long delayNanos) {
        worker.schedule(this::timerSweep, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The timer's sweep: it stops when nothing is left to watch, and waits longer while arrivals sweep. */
    private void timerSweep() {
        boolean arrivalsSweep = arrivalSwept;
        arrivalSwept = false;
        if (!sweeping.compareAndSet(false, true)) {
            // An arrival is sweeping: it looks at everything now, the timer again in a tick.
            scheduleSweep(tickNanos);
            return;
        }
        boolean idle;
        try {
            idle = !sweep(now());
            if (idle) {
                // Under the sweep's hold, so that an arrival's sweep that leaves waits sees the timer stopped.
                armed.set(false);
            }
        } finally {
            sweeping.set(false);
        }
        if (!idle) {
            scheduleSweep(arrivalsSweep ? BACKSTOP_TICKS * tickNanos : tickNanos);
        } else if (!arrivals.isEmpty() && armed.compareAndSet(false, true)) {
            // An arrival that found the timer still armed, and did not sweep, counts on it to see it.
            scheduleSweep(tickNanos);
        }
    }

    /**
     * One sweep; the caller holds {@link #sweeping}.
     *
     * @return whether anything is left to watch
     */
    private boolean sweep(long now) {
        lastSweepNanos = now;
        for (Watched arrival = arrivals.poll(); arrival != null; arrival = arrivals.poll()) {
            watched.add(arrival);
        }
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
        return kept > 0;
    }
}
