package io.flowgres.web.autoconfigure;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import io.flowgres.local.LocalCluster;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;

/**
 * An embedded local cluster being started on a thread of its own by {@link EmbeddedClusterLauncher},
 * before the context that will use it exists. The auto-configuration's {@code LocalCluster} bean
 * {@linkplain #claim() claims} it, and from then on the bean owns it (and stops it with the context);
 * one nobody claims is {@linkplain #stopUnlessClaimed() stopped} as soon as that is known. Only loaded
 * with {@code flowgres-test} on the classpath.
 *
 * <p>When the JVM exits (on {@code SIGTERM}, say) the cluster is stopped by a Spring Boot shutdown
 * handler, which runs after the application's contexts have closed, rather than by a JVM shutdown hook
 * of its own: the JVM runs all its hooks at once, so the servers would stop while the web server's
 * graceful shutdown still lets running requests finish on them. Normally the context's close has
 * stopped it already (the bean's destroy method, after the graceful shutdown); the handler catches a
 * cluster whose context never took it, or whose start was still under way.
 */
final class EmbeddedClusterStart {

    /** The name the launcher registers it under in the application's bean factory. */
    static final String BEAN_NAME = "flowgresEmbeddedClusterStart";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedClusterStart.class);

    /** Whether the cluster is still to be claimed, was claimed, or was (or is being) stopped unclaimed. */
    enum State { OPEN, CLAIMED, STOPPED }

    private final Settings settings;
    private final CompletableFuture<LocalCluster> cluster = new CompletableFuture<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);

    private EmbeddedClusterStart(Settings settings) {
        this.settings = settings;
    }

    /** What a cluster is started with; a bean asking for other settings starts its own. */
    record Settings(int replicas, @Nullable Path snapshotDirectory, String snapshotLabel) {

        /** The settings the properties ask for. */
        static Settings of(EmbeddedProperties embedded) {
            String directory = embedded.getSnapshot().getDirectory();
            // An empty setting turns snapshots off (rather than naming the working directory).
            return new Settings(embedded.getReplicas(), directory.isEmpty() ? null : Path.of(directory),
                    embedded.getSnapshot().getLabel());
        }

        /** Starts a cluster with these settings (blocking), stopped on exit only by {@link #begin}'s handler. */
        private LocalCluster start() {
            LocalCluster.Builder builder = LocalCluster.builder().replicas(replicas).shutdownHook(false);
            if (snapshotDirectory != null) {
                builder.snapshot(snapshotDirectory, snapshotLabel);
            }
            return builder.start();
        }
    }

    /**
     * Starts a cluster with the given settings on a new daemon thread and returns at once; from now on
     * the cluster is stopped when the JVM exits, after the application's contexts have closed.
     *
     * @param settings replicas (0 or more) and snapshot
     * @return the start under way
     */
    static EmbeddedClusterStart begin(Settings settings) {
        EmbeddedClusterStart start = new EmbeddedClusterStart(settings);
        // Registered before the start, so that an exit during it still stops whatever it started.
        SpringApplication.getShutdownHandlers().add(start::stopAtExit);
        Thread thread = new Thread(() -> {
            try {
                start.cluster.complete(settings.start());
            } catch (Throwable e) {
                start.cluster.completeExceptionally(e);
            }
        }, "flowgres-embedded-cluster");
        // Never keeps the JVM alive; stopAtExit stops whatever servers it started.
        thread.setDaemon(true);
        thread.start();
        return start;
    }

    /** What the cluster is started with; a bean asking for other settings starts its own. */
    Settings settings() {
        return settings;
    }

    /** Whether it is open, claimed or stopped. */
    State state() {
        return state.get();
    }

    /**
     * Takes the cluster, waiting for its start to finish; the caller owns it from then on.
     *
     * @return the running cluster
     * @throws RuntimeException what starting it threw (an {@link IllegalStateException} with the
     *         server's log, as {@code LocalCluster.Builder.start()} reports)
     * @throws IllegalStateException when it was already claimed or stopped
     */
    LocalCluster claim() {
        if (!state.compareAndSet(State.OPEN, State.CLAIMED)) {
            throw new IllegalStateException("the early-started embedded cluster is " + state.get());
        }
        try {
            return cluster.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * The cluster, once started, whoever owns it; for tests that check what became of it.
     *
     * @return the started cluster
     */
    LocalCluster awaitCluster() {
        return cluster.join();
    }

    /**
     * The JVM is exiting and the contexts are closed: stops the cluster, waiting for a start under way
     * to end (bounded by the cluster's start-up timeout). Stopping is idempotent, so a cluster its bean
     * stopped already is left as it is.
     */
    private void stopAtExit() {
        try {
            cluster.join().close();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            // The start failed: it stopped whatever it had started before it threw.
        } catch (RuntimeException e) {
            log.warn("Stopping the embedded PostgreSQL cluster at exit failed: {}", e.getMessage());
        }
    }

    /**
     * Stops the cluster unless it was claimed: at once when it is up, else as soon as its start ends.
     * Idempotent.
     */
    void stopUnlessClaimed() {
        if (state.compareAndSet(State.OPEN, State.STOPPED)) {
            log.info("Stopping the embedded PostgreSQL cluster started early: the application did not use it");
            cluster.whenComplete((running, failure) -> {
                if (running != null) {
                    running.close();
                }
            });
        }
    }
}
