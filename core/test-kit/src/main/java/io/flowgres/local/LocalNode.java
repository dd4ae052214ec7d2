package io.flowgres.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL server of a {@link LocalCluster}: where it listens, and the controls tests use
 * to break it on purpose (stop, kill, pause, lag, promote). Every control waits until it has taken
 * effect. Blocking by design; not for event-loop threads.
 */
public final class LocalNode implements PostgresNode {

    /** Every local node listens on this loopback address only. */
    public static final String HOST = "127.0.0.1";

    static final String CLUSTER_CONF = "flowgres.cluster.conf";
    static final String NODE_CONF = "flowgres.node.conf";
    static final String RUNTIME_CONF = "flowgres.runtime.conf";

    private static final Logger log = LoggerFactory.getLogger(LocalNode.class);
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final int port;
    private final Path dataDirectory;
    private final LocalCluster cluster;
    private volatile boolean replica;
    private volatile boolean paused;

    LocalNode(String name, int port, Path dataDirectory, boolean replica, LocalCluster cluster) {
        this.name = name;
        this.port = port;
        this.dataDirectory = dataDirectory;
        this.replica = replica;
        this.cluster = cluster;
    }

    /** The node's name: {@code primary}, {@code replica-1}, {@code replica-2}... */
    public String name() {
        return name;
    }

    /** Always {@value #HOST}. */
    public String host() {
        return HOST;
    }

    /** The TCP port the server listens on. */
    public int port() {
        return port;
    }

    /** {@code r2dbc:postgresql://127.0.0.1:<port>/<database>}, without credentials. */
    public String r2dbcUrl() {
        return "r2dbc:postgresql://" + HOST + ":" + port + "/" + cluster.database();
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + cluster.database();
    }

    /** Whether this node is configured as a streaming replica (false after {@link #promote()}). */
    public boolean isReplica() {
        return replica;
    }

    /** Whether the server process is alive (it may be paused). */
    public boolean isRunning() {
        return readPid() > 0 && ProcessHandle.of(readPid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether the server is stopped with SIGSTOP. */
    public boolean isPaused() {
        return paused;
    }

    /**
     * The postmaster's process id.
     *
     * @return the pid, or -1 when the server is not running
     */
    public long pid() {
        return isRunning() ? readPid() : -1;
    }

    /** The node's data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Starts the server (again) on the same port and waits until it accepts connections. */
    public synchronized void start() {
        cluster.runner().runOrFail(List.of(cluster.binaries().program("pg_ctl").toString(), "-D",
                dataDirectory.toString(), "-l", logFile().toString(), "-w", "-t", "60", "start"), Map.of(),
                CONTROL_TIMEOUT);
        log.debug("{} started on port {}", name, port);
    }

    /** Stops the server cleanly ({@code pg_ctl stop -m fast}) and waits for it to exit. */
    public synchronized void stop() {
        if (paused) {
            resume();
        }
        if (!isRunning()) {
            return;
        }
        cluster.runner().runOrFail(List.of(cluster.binaries().program("pg_ctl").toString(), "-D",
                dataDirectory.toString(), "-m", "fast", "-w", "-t", "60", "stop"), Map.of(), CONTROL_TIMEOUT);
    }

    /** Stops and starts the server. */
    public void restart() {
        stop();
        start();
    }

    /** Kills the server and all its processes with SIGKILL, without any shutdown; {@link #start()} recovers it. */
    public synchronized void kill() {
        List<ProcessHandle> processes = processes();
        cluster.runner().signal("KILL", processes.stream().map(ProcessHandle::pid).toList());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            sleep(20);
        }
        paused = false;
        try {
            Files.deleteIfExists(dataDirectory.resolve("postmaster.pid"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the stale pid file of " + name, e);
        }
    }

    /**
     * Freezes the server and every process of it with SIGSTOP: connections are accepted by the
     * kernel but never answered, as with a hung host.
     */
    public synchronized void pause() {
        List<ProcessHandle> processes = processes();
        cluster.runner().signal("STOP", processes.stream().map(ProcessHandle::pid).toList());
        paused = true;
    }

    /** Resumes a paused server with SIGCONT. */
    public synchronized void resume() {
        List<Long> pids = new ArrayList<>();
        processes().forEach(process -> pids.add(process.pid()));
        cluster.runner().signal("CONT", pids);
        paused = false;
    }

    /**
     * Delays the replay of WAL on this replica ({@code recovery_min_apply_delay}): real replication
     * lag, applied by a configuration reload.
     *
     * @param delay the delay; {@link Duration#ZERO} removes it
     * @throws IllegalStateException when this node is not a replica
     */
    public synchronized void setApplyDelay(Duration delay) {
        if (!replica) {
            throw new IllegalStateException(name + " is not a replica; only replicas have an apply delay");
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        writeConf(RUNTIME_CONF, delay.isZero() ? "" : "recovery_min_apply_delay = '" + delay.toMillis() + "ms'\n");
        reload();
    }

    /**
     * Promotes this replica to a primary and waits until it leaves recovery.
     *
     * @throws IllegalStateException when this node is not a replica
     */
    public synchronized void promote() {
        if (!replica) {
            throw new IllegalStateException(name + " is not a replica; only a replica can be promoted");
        }
        cluster.runner().runOrFail(List.of(cluster.binaries().program("pg_ctl").toString(), "-D",
                dataDirectory.toString(), "-w", "-t", "60", "promote"), Map.of(), CONTROL_TIMEOUT);
        replica = false;
    }

    /** Re-reads the server's configuration files. */
    void reload() {
        cluster.runner().runOrFail(List.of(cluster.binaries().program("pg_ctl").toString(), "-D",
                dataDirectory.toString(), "reload"), Map.of(), CONTROL_TIMEOUT);
    }

    /** A factory for the launcher's own blocking SQL on this node. */
    PostgresqlConnectionFactory sql(String database) {
        return BlockingSql.factory(port, database, cluster.user(), cluster.password(), Duration.ofSeconds(5));
    }

    void writeConf(String file, String content) {
        Path path = dataDirectory.resolve(file);
        try {
            Files.writeString(path, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + path + ": " + e.getMessage(), e);
        }
        cluster.runner().handOver(path);
    }

    Path logFile() {
        return dataDirectory.resolveSibling(name + ".log");
    }

    /** The last lines of the server log, for error messages. */
    String logTail() {
        try {
            return ProcessRunner.tail(Files.readString(logFile(), StandardCharsets.UTF_8), 1500);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private List<ProcessHandle> processes() {
        long pid = readPid();
        List<ProcessHandle> processes = new ArrayList<>();
        if (pid <= 0) {
            return processes;
        }
        ProcessHandle.of(pid).ifPresent(postmaster -> {
            // The postmaster first, so that it cannot react to its children's state in between.
            processes.add(postmaster);
            postmaster.descendants().forEach(processes::add);
        });
        return processes;
    }

    private long readPid() {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Waits between polls of a server's state; the launcher is a blocking utility by design. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "LocalNode{" + name + " " + HOST + ":" + port + (replica ? " replica" : " primary") + "}";
    }
}
