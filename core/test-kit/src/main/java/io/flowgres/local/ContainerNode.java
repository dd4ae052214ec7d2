package io.flowgres.local;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.output.ToStringConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One PostgreSQL server of a {@link ContainerCluster}, in its own container: where it listens, and
 * the controls tests use to break it on purpose. The controls are those of {@link LocalNode}, by the
 * same names, done with the engine ({@code pause}/{@code resume} are {@code docker pause}/{@code
 * unpause}, {@code kill} is {@code docker kill}), plus one only containers can do: {@link
 * #partition()}. Every control waits until it has taken effect. Blocking by design; not for
 * event-loop threads.
 */
public final class ContainerNode implements PostgresNode {

    private static final Logger log = LoggerFactory.getLogger(ContainerNode.class);
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration PORT_RELEASE_TIMEOUT = Duration.ofSeconds(5);
    private static final int SSL_REQUEST_CODE = 80_877_103;

    private final String name;
    private final int port;
    private final GenericContainer<?> container;
    private final ContainerCluster cluster;
    private volatile boolean replica;
    private volatile boolean paused;
    private volatile boolean partitioned;
    private volatile @Nullable SilentPort heldPort;

    private final ToStringConsumer output = new ToStringConsumer();

    ContainerNode(String name, int port, boolean replica, GenericContainer<?> container, ContainerCluster cluster) {
        this.name = name;
        this.port = port;
        this.replica = replica;
        this.container = container;
        this.cluster = cluster;
    }

    /** The node's name, which is also its host name on the cluster's network: {@code primary}, {@code replica-1}... */
    public String name() {
        return name;
    }

    /** Always {@value LocalNode#HOST}: the port is published on the loopback address only. */
    public String host() {
        return LocalNode.HOST;
    }

    /** The published port on {@value LocalNode#HOST}; the same for the node's whole life, restarts included. */
    public int port() {
        return port;
    }

    /** {@code r2dbc:postgresql://127.0.0.1:<port>/<database>}, without credentials. */
    public String r2dbcUrl() {
        return "r2dbc:postgresql://" + LocalNode.HOST + ":" + port + "/" + cluster.database();
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + LocalNode.HOST + ":" + port + "/" + cluster.database();
    }

    /** The container's id, for {@code docker} commands. */
    public String containerId() {
        return container.getContainerId();
    }

    /** Whether this node is configured as a streaming replica (false after {@link #promote()}). */
    public boolean isReplica() {
        return replica;
    }

    /** Whether the container runs (it may be paused). */
    public boolean isRunning() {
        InspectContainerResponse.ContainerState state = docker().inspectContainerCmd(containerId()).exec().getState();
        return Boolean.TRUE.equals(state.getRunning());
    }

    /** Whether the container is frozen by {@link #pause()}. */
    public boolean isPaused() {
        return paused;
    }

    /** Whether the node is cut off by {@link #partition()}. */
    public boolean isPartitioned() {
        return partitioned;
    }

    /**
     * Starts a stopped or killed server again, on the same port, and waits until it accepts
     * connections (after crash recovery, for a killed one). Does nothing when it runs. A partitioned
     * node starts partitioned.
     */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        docker().startContainerCmd(containerId()).exec();
        if (!isPartitioned()) {
            awaitReady(CONTROL_TIMEOUT);
        }
        log.debug("{} started on port {}", name, port);
    }

    /**
     * Stops the server cleanly (a fast shutdown: {@code SIGINT}, as the official image's stop signal)
     * and waits for the container to exit. A paused node is resumed first.
     */
    public synchronized void stop() {
        if (paused) {
            resume();
        }
        if (!isRunning()) {
            return;
        }
        docker().killContainerCmd(containerId()).withSignal("SIGINT").exec();
        if (!awaitExit(CONTROL_TIMEOUT)) {
            log.warn("{} did not shut down within {}, killing it", name, CONTROL_TIMEOUT);
            kill();
        }
    }

    /** Stops and starts the server. */
    public void restart() {
        stop();
        start();
    }

    /** Kills the server with {@code SIGKILL}, without any shutdown; {@link #start()} recovers it. */
    public synchronized void kill() {
        if (paused) {
            docker().unpauseContainerCmd(containerId()).exec();
            paused = false;
        }
        if (!isRunning()) {
            return;
        }
        docker().killContainerCmd(containerId()).withSignal("SIGKILL").exec();
        if (!awaitExit(Duration.ofSeconds(20))) {
            throw new IllegalStateException(name + " did not exit after SIGKILL");
        }
    }

    /**
     * Freezes every process of the container ({@code docker pause}): connections are still
     * accepted, by the engine's port proxy and the kernel, but never answered, as with a hung host;
     * only handshake and statement timeouts end a client's wait.
     */
    public synchronized void pause() {
        docker().pauseContainerCmd(containerId()).exec();
        paused = true;
    }

    /** Resumes a paused container ({@code docker unpause}). */
    public synchronized void resume() {
        if (!paused) {
            return;
        }
        docker().unpauseContainerCmd(containerId()).exec();
        paused = false;
    }

    /**
     * Cuts the node off the network: the container leaves the cluster's network, so it reaches no
     * other node (a replica stops receiving WAL; it keeps running), and its published port, which
     * the engine then releases, is held so that a new connection <em>hangs</em> until the client's
     * connect timeout, as for an unreachable host, instead of being refused. Connections open
     * through the engine's port proxy are closed when the proxy goes. Idempotent.
     *
     * @see #heal()
     */
    public synchronized void partition() {
        if (partitioned) {
            return;
        }
        docker().disconnectFromNetworkCmd()
                .withNetworkId(cluster.networkId())
                .withContainerId(containerId())
                .withForce(true)
                .exec();
        partitioned = true;
        heldPort = SilentPort.hold(port, PORT_RELEASE_TIMEOUT);
        if (heldPort == null) {
            log.warn("{}: port {} was not released by the engine within {}; connections may be refused rather "
                    + "than hang", name, port, PORT_RELEASE_TIMEOUT);
        }
    }

    /** Ends a {@link #partition()}: the container joins the cluster's network again under its name. Idempotent. */
    public synchronized void heal() {
        if (!partitioned) {
            return;
        }
        releasePort();
        docker().connectToNetworkCmd()
                .withNetworkId(cluster.networkId())
                .withContainerId(containerId())
                .withContainerNetwork(new ContainerNetwork().withAliases(name))
                .exec();
        partitioned = false;
    }

    /**
     * Delays the replay of WAL on this replica ({@code recovery_min_apply_delay}, set with
     * {@code ALTER SYSTEM} and a reload): real replication lag. Waits until the server uses it.
     *
     * @param delay the delay; {@link Duration#ZERO} removes it
     * @throws IllegalStateException when this node is not a replica
     */
    public synchronized void setApplyDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay must not be null");
        if (!replica) {
            throw new IllegalStateException(name + " is not a replica; only replicas have an apply delay");
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        PostgresqlConnectionFactory sql = sql(cluster.database());
        BlockingSql.execute(sql, delay.isZero() ? "ALTER SYSTEM RESET recovery_min_apply_delay"
                : "ALTER SYSTEM SET recovery_min_apply_delay = '" + delay.toMillis() + "ms'");
        BlockingSql.execute(sql, "SELECT pg_reload_conf()");
        String expected = String.valueOf(delay.toMillis());
        long deadline = System.nanoTime() + CONTROL_TIMEOUT.toNanos();
        while (!expected.equals(BlockingSql.query(sql,
                "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'",
                row -> String.valueOf(row.get(0))).get(0))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + " did not take the apply delay " + delay);
            }
            LocalNode.sleep(20);
        }
    }

    /**
     * Promotes this replica to a primary ({@code pg_promote}) and waits until it leaves recovery.
     *
     * @throws IllegalStateException when this node is not a replica, or did not leave recovery in time
     */
    public synchronized void promote() {
        if (!replica) {
            throw new IllegalStateException(name + " is not a replica; only a replica can be promoted");
        }
        List<Boolean> promoted = BlockingSql.query(sql(cluster.database()), "SELECT pg_promote(true, 60)",
                row -> row.get(0, Boolean.class));
        if (!Boolean.TRUE.equals(promoted.get(0))) {
            throw new IllegalStateException(name + " did not leave recovery within 60 s of pg_promote");
        }
        replica = false;
    }

    /** A factory for the launcher's own blocking SQL on this node. */
    PostgresqlConnectionFactory sql(String database) {
        return BlockingSql.factory(port, database, cluster.user(), cluster.password(), Duration.ofSeconds(5));
    }

    GenericContainer<?> container() {
        return container;
    }

    /**
     * Polls until the server answers {@code SELECT 1} through the published port. The SQL is tried
     * only once the postmaster itself answers on the port: before that the engine's port proxy
     * accepts and then resets every connection, which the driver would log as an error each time.
     */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PostgresqlConnectionFactory sql = BlockingSql.factory(port, "postgres", cluster.user(), cluster.password(),
                Duration.ofSeconds(2));
        RuntimeException last = null;
        while (System.nanoTime() - deadline < 0) {
            if (!isRunning()) {
                throw new IllegalStateException(name + " exited while starting; its log:\n" + logTail());
            }
            if (!postmasterAnswers()) {
                LocalNode.sleep(100);
                continue;
            }
            try {
                Mono.usingWhen(sql.create(),
                                connection -> Flux.from(connection.createStatement("SELECT 1").execute())
                                        .flatMap(result -> result.map(row -> 1)).then(),
                                Connection::close)
                        .block(Duration.ofSeconds(5));
                return;
            } catch (RuntimeException e) {
                last = e; // not listening yet, a temporary server, or still in recovery start-up
            }
            LocalNode.sleep(100);
        }
        throw new IllegalStateException(name + " did not accept connections within " + timeout + " (last: "
                + (last == null ? "none" : last.getMessage()) + "); its log:\n" + logTail());
    }

    /** The last lines of the server log, for error messages. */
    String logTail() {
        String logs;
        try {
            logs = container.getLogs();
        } catch (RuntimeException e) {
            logs = ""; // a container that failed to start is gone; what it printed was followed
        }
        if (logs.isBlank()) {
            logs = output.toUtf8String();
        }
        return ProcessRunner.tail(logs, 2000);
    }

    /** Follows what the container prints, so that a container removed after a failed start still explains it. */
    Consumer<OutputFrame> output() {
        return output;
    }

    /** Whether a PostgreSQL postmaster answers an {@code SSLRequest} on the published port, with S or N. */
    private boolean postmasterAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LocalNode.HOST, port), 1000);
            socket.setSoTimeout(1000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(8);
            out.writeInt(SSL_REQUEST_CODE);
            out.flush();
            int answer = socket.getInputStream().read();
            return answer == 'S' || answer == 'N';
        } catch (IOException e) {
            return false;
        }
    }

    private boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LocalNode.sleep(50);
        }
        return true;
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }

    /** Stops holding a partitioned node's port (at {@link #heal()}, and when the cluster closes). */
    void releasePort() {
        SilentPort held = heldPort;
        heldPort = null;
        if (held != null) {
            held.close();
        }
    }

    @Override
    public String toString() {
        return "ContainerNode{" + name + " " + LocalNode.HOST + ":" + port + (replica ? " replica" : " primary")
                + (paused ? " paused" : "") + (isPartitioned() ? " partitioned" : "") + "}";
    }
}
