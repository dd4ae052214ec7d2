package io.flowgres.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.flowgres.local.LoopbackPorts;
import io.flowgres.local.PostgresCluster;
import io.flowgres.reference.FlowgresApplication;

/**
 * The reference service in a JVM of its own, with JVM options the test chooses (a small heap, say),
 * against a local cluster or on its own embedded one. The process is stopped on {@link #close()}, and killed if it does not
 * stop in time; its output goes to a log file under {@code target/} for diagnosis.
 */
final class ForkedReferenceService implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

    private final Process process;
    private final int port;
    private final Path log;

    private ForkedReferenceService(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the service and waits until it answers its readiness probe.
     *
     * @param cluster the cluster to serve from; the service seeds the demo data on it
     * @param pitches how many demo pitches to seed
     * @param jvmOptions options for the service's JVM, e.g. {@code -Xmx128m}
     * @return the ready service
     */
    static ForkedReferenceService start(PostgresCluster cluster, long pitches, String... jvmOptions) {
        List<String> arguments = new ArrayList<>(List.of("--reference.users=1000"));
        arguments.addAll(ReferenceService.clusterArguments(cluster, pitches));
        ForkedReferenceService service = launch(List.of(jvmOptions), arguments);
        try {
            cluster.awaitReplication(Duration.ofSeconds(120));
            return service;
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
    }

    /**
     * Starts the service on its own embedded cluster, as the README runs it (no primary URL), and waits
     * until it answers its readiness probe.
     *
     * @param pitches how many demo pitches to seed
     * @param arguments more {@code --name=value} arguments, e.g. the embedded cluster's settings
     * @return the ready service
     */
    static ForkedReferenceService startEmbedded(long pitches, String... arguments) {
        List<String> all = new ArrayList<>(List.of("--reference.users=100", "--reference.pitches=" + pitches,
                "--flowgres.pool.preset=test"));
        all.addAll(List.of(arguments));
        return launch(List.of(), all);
    }

    /** Starts the service's JVM on a free loopback port with this test JVM's class path; waits until ready. */
    private static ForkedReferenceService launch(List<String> jvmOptions, List<String> arguments) {
        int port = LoopbackPorts.free();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FlowgresApplication.class.getName(),
                "--server.port=" + port, "--server.address=127.0.0.1"));
        command.addAll(arguments);
        try {
            Path log = Files.createTempFile(Path.of("target"), "forked-service-", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            ForkedReferenceService service = new ForkedReferenceService(process, port, log);
            try {
                service.awaitReady();
                return service;
            } catch (RuntimeException | Error e) {
                service.close();
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not start the reference service: " + e.getMessage(), e);
        }
    }

    /** Sends the service {@code SIGTERM}, as a container runtime or a terminal does, and returns at once. */
    void terminate() {
        process.destroy();
    }

    /**
     * Waits for the service's process to end.
     *
     * @param timeout how long to wait
     * @return whether it ended within that time
     */
    boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readiness = HttpRequest.newBuilder(uri("/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the reference service exited with " + process.exitValue()
                        + " before it was ready; see " + log.toAbsolutePath());
            }
            try {
                if (client.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the reference service", e);
            }
            sleep(Duration.ofMillis(500));
        }
        throw new IllegalStateException("the reference service was not ready within " + READY_TIMEOUT + "; see "
                + log.toAbsolutePath());
    }

    /**
     * An address on the service.
     *
     * @param path the path and query
     * @return the absolute URI
     */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Whether the service's process still runs (it exits on an out-of-memory error). */
    boolean isAlive() {
        return process.isAlive();
    }

    /** The file holding the service's output. */
    Path log() {
        return log;
    }

    /**
     * Appends a thread dump of the service to its log ({@code jcmd Thread.print}), for a test that
     * found it stuck; best effort, bounded.
     *
     * @return the log, to name in the failure
     */
    Path dumpThreads() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!dump.waitFor(30, TimeUnit.SECONDS)) {
                dump.destroyForcibly();
            }
        } catch (IOException e) {
            // The dump is a diagnosis aid; the failure that asked for it is reported either way.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return log.toAbsolutePath();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
