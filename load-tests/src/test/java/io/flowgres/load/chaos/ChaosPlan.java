package io.flowgres.load.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The phases of a chaos run, in order, and the demo data it needs. Two plans: {@code ci} (closed
 * model of 16 users; a replica frozen in bursts, a replica killed and restarted, the primary
 * restarted; under a minute of load) and {@code full} (closed models of 16 and 64 users and an open
 * model, each alternating {@value #ROUNDS} times between healthy and a replica frozen in bursts;
 * then, in the open model, a replica killed, a lagging replica, the primary frozen, the primary
 * restarted and, last, a promotion). Phases of the same name and load model form a {@link Group},
 * which the report counts as one.
 *
 * @param name the plan's name
 * @param phases the phases, in order; the first is a warm-up
 * @param pitches how many demo pitches the service seeds
 */
record ChaosPlan(String name, List<Phase> phases, int pitches) {

    /** The plan the continuous integration build runs. */
    static final String CI = "ci";
    /** The plan that produces the figures. */
    static final String FULL = "full";
    /** Rounds of healthy, then frozen replica, per load model of the full plan. */
    static final int ROUNDS = 3;

    ChaosPlan {
        phases = List.copyOf(phases);
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one phase");
        }
    }

    /**
     * A plan by name.
     *
     * @param name {@value #CI} or {@value #FULL}
     * @param openRate the open model's iterations per second (full plan)
     * @param phaseSeconds the length of most phases, and of each healthy/frozen pair's rounds together
     *        (full plan)
     * @return the plan
     * @throws IllegalArgumentException for another name
     */
    static ChaosPlan named(String name, double openRate, int phaseSeconds) {
        return switch (name) {
            case CI -> ci();
            case FULL -> full(openRate, Duration.ofSeconds(phaseSeconds));
            default -> throw new IllegalArgumentException("plan must be " + CI + " or " + FULL + ", was " + name);
        };
    }

    private static ChaosPlan ci() {
        LoadModel closed16 = LoadModel.closed(16);
        return new ChaosPlan(CI, List.of(
                new Phase("warm-up", closed16, Fault.NONE, Duration.ofSeconds(5), true),
                new Phase(Fault.NONE.description(), closed16, Fault.NONE, Duration.ofSeconds(8), false),
                phase(closed16, Fault.REPLICA_FROZEN_BURSTS, Duration.ofSeconds(10)),
                phase(closed16, Fault.REPLICA_KILLED, Duration.ofSeconds(10)),
                phase(closed16, Fault.PRIMARY_RESTARTED, Duration.ofSeconds(12))), 10_000);
    }

    private static ChaosPlan full(double openRate, Duration phase) {
        LoadModel closed16 = LoadModel.closed(16);
        LoadModel closed64 = LoadModel.closed(64);
        LoadModel open = LoadModel.open(openRate);
        List<Phase> phases = new ArrayList<>();
        phases.add(new Phase("warm-up", closed16, Fault.NONE, Duration.ofSeconds(20), true));
        // Healthy and frozen alternate in rounds, so that drift on a shared machine hits both alike.
        Duration round = Duration.ofSeconds(Math.max(3, phase.toSeconds() / ROUNDS));
        for (LoadModel load : List.of(closed16, closed64, open)) {
            for (int i = 0; i < ROUNDS; i++) {
                phases.add(phase(load, Fault.NONE, round));
                phases.add(phase(load, Fault.REPLICA_FROZEN_BURSTS, round));
            }
        }
        for (Fault fault : List.of(Fault.REPLICA_KILLED, Fault.REPLICA_LAGGING, Fault.PRIMARY_FROZEN,
                Fault.PRIMARY_RESTARTED)) {
            phases.add(phase(open, fault, phase));
        }
        phases.add(phase(open, Fault.PROMOTION, phase.plusSeconds(5)));
        return new ChaosPlan(FULL, phases, 100_000);
    }

    private static Phase phase(LoadModel load, Fault fault, Duration duration) {
        return new Phase(fault.description(), load, fault, duration, false);
    }

    /** The sum of the phases' durations. */
    Duration total() {
        return phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /** When phase {@code index} begins, from the start of the run. */
    Duration offset(int index) {
        return phases.subList(0, index).stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * Runs of consecutive phases under the same load model, each of which becomes one Gatling
     * scenario injected from its offset for its duration.
     *
     * @return the segments, in order
     */
    List<Segment> segments() {
        List<Segment> segments = new ArrayList<>();
        int first = 0;
        for (int i = 1; i <= phases.size(); i++) {
            if (i == phases.size() || !phases.get(i).load().equals(phases.get(first).load())) {
                Duration duration = offset(i).minus(offset(first));
                segments.add(new Segment(phases.get(first).load(), first, i - 1, offset(first), duration));
                first = i;
            }
        }
        return segments;
    }

    /**
     * The phases grouped by name and load model, in order of first appearance: what the report and
     * the goals count as one.
     *
     * @return the groups
     */
    List<Group> groups() {
        Map<String, List<Integer>> indices = new LinkedHashMap<>();
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            indices.computeIfAbsent(phase.name() + "|" + phase.load() + "|" + phase.warmUp(), key -> new ArrayList<>())
                    .add(i);
        }
        return indices.values().stream().map(list -> new Group(phases.get(list.get(0)), list,
                list.stream().map(i -> phases.get(i).duration()).reduce(Duration.ZERO, Duration::plus))).toList();
    }

    /**
     * Phases of the same name and load model.
     *
     * @param phase the first of them
     * @param indices their indices
     * @param duration their total duration
     */
    record Group(Phase phase, List<Integer> indices, Duration duration) {

        Group {
            indices = List.copyOf(indices);
        }

        /** The indices for a table, e.g. {@code 1} or {@code 1,3,5}. */
        String label() {
            return String.join(",", indices.stream().map(String::valueOf).toList());
        }

        /** Whether phase {@code index} belongs to this group. */
        boolean contains(int index) {
            return indices.contains(index);
        }
    }

    /**
     * Consecutive phases under one load model.
     *
     * @param load the load model
     * @param firstPhase the index of its first phase
     * @param lastPhase the index of its last phase
     * @param offset when it begins, from the start of the run
     * @param duration how long it lasts
     */
    record Segment(LoadModel load, int firstPhase, int lastPhase, Duration offset, Duration duration) {
    }
}
