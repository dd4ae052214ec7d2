package io.flowgres.load.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.flowgres.local.LocalCluster;

/**
 * Moves through the plan's phases on its own thread, on the run's clock: enters each phase at its
 * planned offset (late only when the previous fault overran, which the timeline shows), drives its
 * fault, waits for its end; at each boundary it takes a snapshot of the service's meters. A fault that throws is recorded and the run goes on; interrupting the
 * thread stops the run, each fault undoing what it did.
 */
final class FaultScheduler implements Runnable {

    private final ChaosPlan plan;
    private final LocalCluster cluster;
    private final Timeline timeline;
    private final Supplier<Map<String, Double>> meters;
    private final List<String> errors = new ArrayList<>();
    private final List<Map<String, Double>> snapshots = new ArrayList<>();

    FaultScheduler(ChaosPlan plan, LocalCluster cluster, Timeline timeline, Supplier<Map<String, Double>> meters) {
        this.plan = plan;
        this.cluster = cluster;
        this.timeline = timeline;
        this.meters = meters;
    }

    @Override
    public void run() {
        List<Phase> phases = plan.phases();
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            PhaseClock clock = new PhaseClock(timeline, plan.offset(i).toNanos(), phase.duration());
            try {
                clock.at(Duration.ZERO);
                snapshot();
                timeline.enter(i, Goals.phaseBegins(i, phase));
                phase.fault().drive(cluster, clock, timeline);
                clock.end();
            } catch (InterruptedException e) {
                timeline.event(Timeline.FAULT, "stopped during phase " + i);
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                String error = "phase " + i + " (" + phase.name() + "): " + e;
                timeline.event(Timeline.FAULT, "fault failed: " + e);
                synchronized (errors) {
                    errors.add(error);
                }
            }
        }
        snapshot();
        timeline.event(Timeline.FAULT, "plan complete");
    }

    private void snapshot() {
        Map<String, Double> snapshot = meters.get();
        synchronized (snapshots) {
            snapshots.add(snapshot);
        }
    }

    /** The service's meters at each phase boundary so far ({@link ServiceMeters}). */
    List<Map<String, Double>> snapshots() {
        synchronized (snapshots) {
            return List.copyOf(snapshots);
        }
    }

    /** Faults that could not be driven, one line each. */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }
}
