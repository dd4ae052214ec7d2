package io.flowgres.load.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.Flowgres;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One chaos run's harness: the local cluster and the reference service on it, the fault scheduler
 * and topology watch (both started by the first request, so that the phases line up with the load),
 * the outcome recorder, and at the end the audit against the database, the report and the verdict.
 * Closing it stops the service and every server, whatever happened before.
 */
final class ChaosRun implements AutoCloseable {

    private final ChaosPlan plan;
    private final Path out;
    private final boolean cache;
    private final LocalCluster cluster;
    private final ConfigurableApplicationContext service;
    private final Timeline timeline = new Timeline();
    private final OutcomeRecorder recorder = new OutcomeRecorder(2_000_000);
    private final FaultScheduler scheduler;
    private final Thread schedulerThread;
    private final TopologyWatch watch;
    private final Thread watchThread;
    private final AtomicBoolean begun = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final String titlePrefix = "chaos-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    private final String startedAt = Instant.now().toString();
    private final String loadAtStart = loadAverage();

    private ChaosRun(ChaosPlan plan, Path out, boolean cache, LocalCluster cluster,
            ConfigurableApplicationContext service) {
        this.plan = plan;
        this.out = out;
        this.cache = cache;
        this.cluster = cluster;
        this.service = service;
        Flowgres flowgres = service.getBean(Flowgres.class);
        this.scheduler = new FaultScheduler(plan, cluster, timeline,
                () -> ServiceMeters.snapshot(flowgres.meterRegistry()));
        this.schedulerThread = new Thread(scheduler, "chaos-faults");
        this.watch = new TopologyWatch(flowgres, timeline);
        this.watchThread = new Thread(watch, "chaos-topology");
        schedulerThread.setDaemon(true);
        watchThread.setDaemon(true);
    }

    /**
     * Starts a cluster of a primary and two replicas, and the service on it.
     *
     * @param plan the plan to run
     * @param port the service's port
     * @param out where to write the report and the verdict
     * @param cache whether the service caches reads by id
     * @return the harness, waiting for the first request
     */
    static ChaosRun start(ChaosPlan plan, int port, Path out, boolean cache) {
        LocalCluster cluster = LocalCluster.start(2);
        ConfigurableApplicationContext service = null;
        try {
            service = ChaosService.start(cluster, port, plan.pitches(), cache);
            return new ChaosRun(plan, out, cache, cluster, service);
        } catch (RuntimeException | Error e) {
            try {
                if (service != null) {
                    service.close();
                }
            } finally {
                cluster.close();
            }
            throw e;
        }
    }

    /** Starts the clock, the fault scheduler and the topology watch, once: called by every request. */
    void beginIfNeeded() {
        if (!begun.get() && begun.compareAndSet(false, true)) {
            timeline.begin();
            watchThread.start();
            schedulerThread.start();
        }
    }

    /** The current phase's index. */
    int phase() {
        return timeline.phase();
    }

    /** Nanoseconds since the run began. */
    long now() {
        return timeline.now();
    }

    /** A title no other write of any run has. */
    String nextTitle() {
        return titlePrefix + writes.incrementAndGet();
    }

    void record(Outcome outcome) {
        recorder.record(outcome);
    }

    /**
     * Ends the run: waits for the scheduler, audits the writes against the database, prints the
     * report and writes it with the verdict under the output directory.
     *
     * @return the violations (empty when the run passed)
     * @throws InterruptedException when interrupted while waiting for the scheduler
     */
    List<String> finish() throws InterruptedException {
        if (schedulerThread.isAlive()) {
            schedulerThread.join(Duration.ofSeconds(30).toMillis());
            schedulerThread.interrupt();
            schedulerThread.join(Duration.ofSeconds(60).toMillis());
        }
        watch.stop();
        List<Outcome> outcomes = recorder.outcomes();
        List<LocalNode> primaries = WriteAudit.primaries(cluster);
        Map<String, Integer> titles = new HashMap<>();
        for (LocalNode primary : primaries) {
            WriteAudit.titles(cluster, primary, titlePrefix).forEach((title, rows) -> titles.merge(title, rows,
                    Integer::sum));
        }
        List<PhaseFigures> figures = new ArrayList<>();
        for (ChaosPlan.Group group : plan.groups()) {
            figures.add(PhaseFigures.of(group, outcomes.stream().filter(outcome -> group.contains(outcome.phase()))
                    .toList(), titles));
        }
        List<Goals.Goal> goals = Goals.judge(figures, outcomes, timeline);
        List<String> violations = new ArrayList<>(ChaosVerdict.violations(figures, scheduler.errors(),
                recorder.dropped()));
        if (primaries.size() != 1) {
            violations.add(primaries.size() + " primaries at the end: " + primaries);
        }
        List<String> notes = List.of(
                "started " + startedAt + ", " + Runtime.getRuntime().availableProcessors()
                        + " cores, load average " + loadAtStart + " at the start and " + loadAverage() + " at the end",
                "everything on this machine: the Gatling client and the service in one JVM, a primary and two "
                        + "streaming replicas (PostgreSQL from " + cluster.binaries().bin() + ")",
                String.format("%,d requests recorded, %,d writes sent; audited on %s: %,d of the run's titles found",
                        outcomes.size(), writes.get(), primaries, titles.size()),
                "mix per iteration: 45 % GET by id, 25 % browse (first page, then the next with its cursor), "
                        + "15 % POST, 15 % POST then GET of it with its Flowgres-Consistency token",
                cache ? "the service's query cache on (reads by id and profiles, filled on replicas that have every "
                        + "invalidated write)" : "the service's query cache off",
                violations.isEmpty() ? "verdict: passed" : "verdict: FAILED: " + String.join("; ", violations));
        String report = ChaosReport.markdown(plan, figures, timeline, goals, notes,
                ServiceMeters.deltas(scheduler.snapshots(), plan.groups()).stream().map(ServiceMeters::line).toList());
        System.out.println();
        System.out.println(report);
        write(out.resolve("report-" + plan.name() + ".md"), report);
        writeOutcomes(out.resolve("outcomes-" + plan.name() + ".csv"), outcomes, titles);
        ChaosVerdict.write(out.resolve("verdict-" + plan.name() + ".txt"), violations);
        return violations;
    }

    /** Stops the service, then every server. */
    @Override
    public void close() {
        watch.stop();
        schedulerThread.interrupt();
        try {
            service.close();
        } finally {
            cluster.close();
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Every outcome, sorted by when it was sent, with the rows found for its title: for a closer look. */
    private static void writeOutcomes(Path file, List<Outcome> outcomes, Map<String, Integer> titles) {
        StringBuilder csv = new StringBuilder("sent_ms,latency_ms,phase,kind,status,problem,retry_after,stale,title,rows\n");
        outcomes.stream().sorted(Comparator.comparingLong(Outcome::startNanos)).forEach(outcome -> csv
                .append(String.format(Locale.ROOT, "%.3f,%.3f,%d,%s,%d,%s,%b,%b,%s,%s%n",
                        outcome.startNanos() / 1e6, outcome.latencyNanos() / 1e6, outcome.phase(), outcome.kind(),
                        outcome.status(), outcome.problem().replace(',', ' '), outcome.retryAfter(), outcome.stale(),
                        outcome.title(), outcome.title().isEmpty() ? "" : titles.getOrDefault(outcome.title(), 0))));
        write(file, csv.toString());
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).split(" ");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
