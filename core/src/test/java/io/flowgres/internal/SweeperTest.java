package io.flowgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * The sweeper on a clock of its own and a timer that only records what it was asked to run: each
 * test runs the timer's sweeps itself, so it sees exactly who swept and when the timer comes back.
 */
class SweeperTest {

    private static final Duration TICK = Duration.ofMillis(1);
    private static final long TICK_NANOS = TICK.toNanos();

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final RecordingTimer timer = new RecordingTimer();
    private final Sweeper sweeper = new Sweeper(TICK, timer, clock::get);

    @Test
    void theTimerSweepsEveryTickWhileNothingElseArrives() {
        Wait wait = new Wait(3);
        sweeper.add(wait, clock.get());
        assertThat(timer.delays()).containsExactly(TICK_NANOS);

        for (int sweep = 1; sweep <= 3; sweep++) {
            clock.addAndGet(TICK_NANOS);
            timer.runNext();
            assertThat(wait.looks).isEqualTo(sweep);
        }
        // Done after its third look: the timer stops until something arrives again.
        assertThat(timer.pending).isEmpty();
        assertThat(timer.delays()).containsExactly(TICK_NANOS, TICK_NANOS, TICK_NANOS);

        sweeper.add(new Wait(1), clock.get());
        assertThat(timer.pending).hasSize(1);
    }

    @Test
    void anArrivalATickAfterTheLastSweepSweepsOnItsOwnThread() {
        Wait first = new Wait(Integer.MAX_VALUE);
        sweeper.add(first, clock.get());

        clock.addAndGet(TICK_NANOS / 2);
        Wait soon = new Wait(Integer.MAX_VALUE);
        sweeper.add(soon, clock.get());
        assertThat(first.looks).isZero();

        clock.addAndGet(TICK_NANOS / 2);
        Wait late = new Wait(Integer.MAX_VALUE);
        sweeper.add(late, clock.get());
        // Nobody ran the timer: the last arrival swept everything, itself included, on this thread.
        assertThat(first.looks).isEqualTo(1);
        assertThat(soon.looks).isEqualTo(1);
        assertThat(late.looks).isEqualTo(1);
        assertThat(first.lookedOn).isSameAs(Thread.currentThread());
        assertThat(first.lookedAt).isEqualTo(clock.get());
        assertThat(timer.pending).hasSize(1);
    }

    @Test
    void whileArrivalsSweepTheTimerComesBackOnlyEveryFewTicks() {
        Wait forever = new Wait(Integer.MAX_VALUE);
        sweeper.add(forever, clock.get());
        clock.addAndGet(TICK_NANOS);
        sweeper.add(new Wait(Integer.MAX_VALUE), clock.get());
        assertThat(forever.looks).isEqualTo(1);

        clock.addAndGet(TICK_NANOS);
        timer.runNext();
        assertThat(forever.looks).isEqualTo(2);
        // Arrivals swept since its last sweep: the timer waits longer before its next.
        assertThat(timer.delays()).containsExactly(TICK_NANOS, Sweeper.BACKSTOP_TICKS * TICK_NANOS);

        clock.addAndGet(Sweeper.BACKSTOP_TICKS * TICK_NANOS);
        timer.runNext();
        assertThat(forever.looks).isEqualTo(3);
        // Nothing arrived in between: every tick again.
        assertThat(timer.delays()).endsWith(TICK_NANOS);
    }

    @Test
    void aWaitThatFailsIsDroppedAndTheOthersAreStillLookedAt() {
        Wait broken = new Wait(Integer.MAX_VALUE) {
            @Override
            public boolean looked(long nowNanos) {
                super.looked(nowNanos);
                throw new IllegalStateException("broken on purpose");
            }
        };
        Wait other = new Wait(2);
        sweeper.add(broken, clock.get());
        sweeper.add(other, clock.get());

        clock.addAndGet(TICK_NANOS);
        timer.runNext();
        clock.addAndGet(TICK_NANOS);
        timer.runNext();

        assertThat(broken.looks).isEqualTo(1);
        assertThat(other.looks).isEqualTo(2);
        assertThat(timer.pending).isEmpty();
    }

    /** A wait that wants a number of looks, and records the last. */
    private static class Wait implements Sweeper.Watched {

        private final int wanted;
        int looks;
        long lookedAt;
        Thread lookedOn;

        Wait(int wanted) {
            this.wanted = wanted;
        }

        @Override
        public boolean looked(long nowNanos) {
            looks++;
            lookedAt = nowNanos;
            lookedOn = Thread.currentThread();
            return looks < wanted;
        }
    }

    /** A timer that records its tasks and their delays, and runs one only when the test says so. */
    private static final class RecordingTimer implements Scheduler {

        final List<Runnable> pending = new ArrayList<>();
        private final List<Long> delays = new ArrayList<>();

        List<Long> delays() {
            return delays;
        }

        void runNext() {
            assertThat(pending).as("a scheduled sweep").isNotEmpty();
            pending.remove(0).run();
        }

        @Override
        public Disposable schedule(Runnable task) {
            return schedule(task, 0, TimeUnit.NANOSECONDS);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            pending.add(task);
            delays.add(unit.toNanos(delay));
            return Disposables.single();
        }

        @Override
        public Worker createWorker() {
            RecordingTimer timer = this;
            return new Worker() {
                @Override
                public Disposable schedule(Runnable task) {
                    return timer.schedule(task);
                }

                @Override
                public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                    return timer.schedule(task, delay, unit);
                }

                @Override
                public void dispose() {
                }
            };
        }
    }
}
