package io.flowgres.load.chaos;

import java.util.List;

/** The chaos run's figures as Markdown: three tables per phase, the timeline and the goals. */
final class ChaosReport {

    private ChaosReport() {
    }

    /**
     * Formats the report.
     *
     * @param plan the plan that ran
     * @param figures the phases' figures, in order
     * @param timeline the run's events
     * @param goals the goals' verdicts
     * @param notes lines to print before the tables (how the run went, what was audited)
     * @param meters per group of phases, what the service counted ({@link ServiceMeters#line})
     * @return the report
     */
    static String markdown(ChaosPlan plan, List<PhaseFigures> figures, Timeline timeline, List<Goals.Goal> goals,
            List<String> notes, List<String> meters) {
        StringBuilder out = new StringBuilder();
        out.append("## Chaos run, plan '").append(plan.name()).append("'\n\n");
        notes.forEach(note -> out.append("- ").append(note).append('\n'));
        out.append("\nAll requests (latencies in ms; a request belongs to the phase in which it was sent; phases of "
                + "the same name and load are counted together, # lists them):\n\n")
                .append("| # | phase | load | s | requests | req/s | p50 | p99 | p99.9 | max | failed |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PhaseFigures phase : figures) {
            double seconds = phase.group().duration().toMillis() / 1000.0;
            out.append(String.format("| %s | %s | %s | %.0f | %,d | %,.0f | %s | %,d |%n", phase.group().label(),
                    name(phase), phase.phase().load().label(), seconds, phase.all().count(),
                    phase.all().count() / seconds, phase.all().cells(), phase.failedRequests()));
        }
        out.append("\nReads (by id, browse pages, reads of one's own write with its token):\n\n")
                .append("| # | phase | reads | p50 | p99 | p99.9 | max | over 1 s | failed, by status | own-write "
                        + "reads | stale |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PhaseFigures phase : figures) {
            out.append(String.format("| %s | %s | %,d | %s | %d | %s | %,d | %d |%n", phase.group().label(),
                    phase.name(),
                    phase.reads().count(), phase.reads().cells(), phase.readsOverOneSecond(),
                    PhaseFigures.counts(phase.failedReads()), phase.ownReads(), phase.staleReads()));
        }
        out.append("\nWrites (POST /api/pitches, each with a unique title, checked in the database afterwards):\n\n")
                .append("| # | phase | writes | p50 | p99 | p99.9 | max | failed, by status | acknowledged | lost | "
                        + "duplicated | failed but applied |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PhaseFigures phase : figures) {
            out.append(String.format("| %s | %s | %,d | %s | %s | %,d | %d | %d | %s |%n", phase.group().label(),
                    phase.name(), phase.writes().count(), phase.writes().cells(),
                    PhaseFigures.counts(phase.failedWrites()), phase.acknowledged(), phase.lost(),
                    phase.duplicated(), PhaseFigures.counts(phase.appliedAnyway())));
        }
        out.append("\nWhat the service counted per phase (database attempts by node, routing decisions, retries by "
                + "reason):\n\n| # | phase | counts |\n|---|---|---|\n");
        for (int i = 0; i < meters.size() && i < figures.size(); i++) {
            out.append("| ").append(figures.get(i).group().label()).append(" | ").append(figures.get(i).name())
                    .append(" | ").append(meters.get(i)).append(" |\n");
        }
        out.append("\nTimeline (seconds since the first request; fault actions and the service's topology as "
                + "polled every 20 ms):\n\n```\n");
        timeline.events().forEach(event -> out.append(event).append('\n'));
        out.append("```\n");
        if (!goals.isEmpty()) {
            out.append("\nGoals of issue #11:\n\n| goal | met | figures |\n|---|---|---|\n");
            goals.forEach(goal -> out.append("| ").append(goal.name()).append(" | ")
                    .append(goal.met() ? "yes" : "**no**").append(" | ").append(goal.detail()).append(" |\n"));
        }
        return out.toString();
    }

    private static String name(PhaseFigures phase) {
        return phase.phase().warmUp() ? "warm-up (not judged)" : phase.phase().name();
    }
}
