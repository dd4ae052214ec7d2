package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.flowgres.internal.Sweeper;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The delays before hedges, on a {@link Sweeper} with a {@link #TICK} of one millisecond (the
 * shortest adaptive delay is two). Every replica read with hedging on waits for one and nearly every
 * read answers before it ends, so a timer per read, scheduled and cancelled on the shared scheduler,
 * cost more than the hedges themselves; here a delay is a sink the sweep fills once due.
 */
final class HedgeDelays {

    /** The time between two sweeps: how late a hedge may start (a few ticks just when reads stop arriving). */
    static final Duration TICK = Duration.ofMillis(1);

    private final Sweeper sweeper;

    /**
     * Creates the delays.
     *
     * @param timer the scheduler of the sweeps
     * @param ticker the clock of the delays, in nanoseconds
     */
    HedgeDelays(Scheduler timer, LongSupplier ticker) {
        this.sweeper = new Sweeper(TICK, timer, ticker);
    }

    /**
     * A delay, like {@code Mono.delay}: emits {@code 0} once it has passed, counted from each
     * subscription; one whose subscriber went away is forgotten on the next sweep.
     *
     * @param delay how long
     * @return the delay
     */
    Mono<Long> after(Duration delay) {
        return Mono.defer(() -> {
            Delay pending = new Delay();
            schedule(delay, pending);
            return pending.elapsed.asMono();
        });
    }

    /**
     * Runs {@code due} on the sweep once {@code delay} has passed, unless it says beforehand that
     * nobody waits any more (it is then forgotten on the next sweep): the delay of a race, without a
     * publisher, nor any other object, of its own per read.
     *
     * @param delay how long
     * @param due what waits, and what to run once it has passed
     */
    void schedule(Duration delay, Due due) {
        long now = sweeper.now();
        due.dueNanos = now + delay.toNanos();
        sweeper.add(due, now);
    }

    /** Something that runs once its delay has passed, unless nobody waits for it any more. */
    abstract static class Due implements Sweeper.Watched {

        /** When the delay ends, on the sweeper's clock; set before the sweeper sees it. */
        private long dueNanos;

        /**
         * Whether the delay is still wanted; asked on each sweep.
         *
         * @return {@code false} to forget it
         */
        abstract boolean waiting();

        /** The delay has passed while wanted; runs once, on the sweep. */
        abstract void elapse();

        @Override
        public final boolean looked(long nowNanos) {
            if (!waiting()) {
                return false;
            }
            if (nowNanos - dueNanos < 0) {
                return true;
            }
            elapse();
            return false;
        }
    }

    /** One subscription's delay: filled on the first sweep at or past its time while someone waits. */
    private static final class Delay extends Due {

        private final Sinks.One<Long> elapsed = Sinks.one();
        private boolean heard;

        /**
         * Whether the delay is still wanted: it is while subscribed, and before its first subscriber too
         * (it is made right before, on a thread a busy machine may deschedule for a while); once its
         * subscriber has gone (cancelled), it is not.
         */
        @Override
        boolean waiting() {
            boolean subscribed = elapsed.currentSubscriberCount() > 0;
            heard |= subscribed;
            return subscribed || !heard;
        }

        @Override
        void elapse() {
            elapsed.tryEmitValue(0L);
        }
    }
}
