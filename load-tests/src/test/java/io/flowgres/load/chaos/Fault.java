package io.flowgres.load.chaos;

import java.time.Duration;

import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;

/**
 * The faults the scheduler drives through the local cluster, each within one phase, each leaving the
 * cluster as it found it except {@link #PROMOTION}, which changes it for good (so it comes last).
 * The times at which a fault acts are recorded on the {@link Timeline} under the names below, which
 * the goals are measured from.
 */
enum Fault {

    /** Nothing: every node healthy. */
    NONE("healthy") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) {
            // nothing to do
        }
    },

    /** {@code replica-2} frozen (SIGSTOP) for the first 300 ms of every second of the phase. */
    REPLICA_FROZEN_BURSTS("replica-2 frozen 300 ms of every second") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            LocalNode replica = cluster.replicas().get(1);
            int bursts = 0;
            try {
                for (int second = 0; clock.remaining().compareTo(Duration.ofMillis(1000)) >= 0; second++) {
                    clock.at(Duration.ofSeconds(second));
                    replica.pause();
                    bursts++;
                    clock.at(Duration.ofSeconds(second).plusMillis(300));
                    replica.resume();
                }
            } finally {
                if (replica.isPaused()) {
                    replica.resume();
                }
                timeline.event(Timeline.FAULT, replica.name() + " was frozen " + bursts + " times for 300 ms");
            }
        }
    },

    /** {@code replica-2} killed with SIGKILL 2 s into the phase and started again 3 s later. */
    REPLICA_KILLED("replica-2 killed, started 3 s later") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            LocalNode replica = cluster.replicas().get(1);
            clock.at(Duration.ofSeconds(2));
            try {
                timeline.event(Timeline.FAULT, "replica-2 killing");
                replica.kill();
                timeline.event(Timeline.FAULT, REPLICA_2_KILLED);
                clock.at(Duration.ofSeconds(5));
            } finally {
                if (!replica.isRunning()) {
                    replica.start();
                    timeline.event(Timeline.FAULT, "replica-2 started");
                }
            }
        }
    },

    /** {@code replica-1} replaying WAL 3 s late from 1 s into the phase until 4 s before its end. */
    REPLICA_LAGGING("replica-1 replaying 3 s late") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            LocalNode replica = cluster.replicas().get(0);
            clock.at(Duration.ofSeconds(1));
            try {
                replica.setApplyDelay(Duration.ofSeconds(3));
                timeline.event(Timeline.FAULT, "replica-1 apply delay 3 s");
                Thread.sleep(Math.max(0, clock.remaining().toMillis() - 4000));
            } finally {
                replica.setApplyDelay(Duration.ZERO);
                timeline.event(Timeline.FAULT, "replica-1 apply delay removed");
            }
        }
    },

    /**
     * The primary frozen (SIGSTOP) from 3 s into the phase for 8 s: longer than the default
     * {@code max-lag} (5 s), so that replicas whose lag is left to grow while no primary answers
     * leave rotation before it ends.
     */
    PRIMARY_FROZEN("primary frozen 8 s") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            LocalNode primary = cluster.primary();
            clock.at(Duration.ofSeconds(3));
            try {
                primary.pause();
                timeline.event(Timeline.FAULT, PRIMARY_PAUSED);
                clock.at(Duration.ofSeconds(11));
            } finally {
                if (primary.isPaused()) {
                    timeline.event(Timeline.FAULT, PRIMARY_RESUMING);
                    primary.resume();
                    timeline.event(Timeline.FAULT, PRIMARY_RESUMED);
                }
            }
        }
    },

    /** The primary restarted ({@code pg_ctl stop -m fast}, then start) 3 s into the phase. */
    PRIMARY_RESTARTED("primary restarted") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            clock.at(Duration.ofSeconds(3));
            timeline.event(Timeline.FAULT, PRIMARY_RESTARTING);
            cluster.primary().restart();
            timeline.event(Timeline.FAULT, PRIMARY_RESTARTED_EVENT);
        }
    },

    /**
     * The primary stopped ({@code pg_ctl stop -m fast}) 3 s into the phase and {@code replica-1}
     * promoted at once, as a failover manager would; {@code replica-2} is left following the old
     * primary. For good: the old primary is not started again.
     */
    PROMOTION("primary stopped, replica-1 promoted") {
        @Override
        void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException {
            clock.at(Duration.ofSeconds(3));
            timeline.event(Timeline.FAULT, PRIMARY_STOPPING);
            cluster.primary().stop();
            timeline.event(Timeline.FAULT, PRIMARY_STOPPED);
            cluster.replicas().get(0).promote();
            timeline.event(Timeline.FAULT, "replica-1 promoted");
        }
    };

    /** Event: replica-2 was killed. */
    static final String REPLICA_2_KILLED = "replica-2 killed";
    /** Event: the primary was frozen. */
    static final String PRIMARY_PAUSED = "primary paused";
    /** Event: the primary's resume (SIGCONT to each of its processes) began. */
    static final String PRIMARY_RESUMING = "primary resuming";
    /** Event: the primary was resumed. */
    static final String PRIMARY_RESUMED = "primary resumed";
    /** Event: the primary's restart began. */
    static final String PRIMARY_RESTARTING = "primary restarting";
    /** Event: the primary had restarted and accepted connections. */
    static final String PRIMARY_RESTARTED_EVENT = "primary restarted";
    /** Event: the primary's stop for the promotion began. */
    static final String PRIMARY_STOPPING = "primary stopping";
    /** Event: the primary had stopped. */
    static final String PRIMARY_STOPPED = "primary stopped";

    private final String description;

    Fault(String description) {
        this.description = description;
    }

    /** What the fault does, for the tables. */
    String description() {
        return description;
    }

    /**
     * Drives the fault within its phase, on the scheduler's thread; blocking.
     *
     * @param cluster the cluster
     * @param clock the phase's schedule
     * @param timeline where to record what was done and when
     * @throws InterruptedException when the run is being stopped
     */
    abstract void drive(LocalCluster cluster, PhaseClock clock, Timeline timeline) throws InterruptedException;
}
