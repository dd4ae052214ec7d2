package io.flowgres.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;

/**
 * A real PostgreSQL topology in Docker containers, through Testcontainers: one primary and N
 * physical streaming replicas on a private network, each replica cloned from the primary by
 * {@code pg_basebackup -R -X stream} over that network, each server's port published on
 * {@code 127.0.0.1}. The counterpart of {@link LocalCluster}, with the same shape (node names
 * {@code primary}, {@code replica-1}..., {@link #clusterConfig()}) and the same fault controls on
 * its {@link ContainerNode}s, plus a network partition.
 *
 * <p>The image is the official {@code postgres:<version>} ({@value #DEFAULT_POSTGRES_VERSION} unless
 * {@link Builder#postgresVersion(String)} says otherwise; 14 or newer), or the one named by
 * {@code -D}{@value #IMAGE_PROPERTY} or the environment variable {@value #IMAGE_VARIABLE}, such as the
 * image {@code core/test-kit/docker/build-image.sh} builds where no registry is reachable. Started
 * in seconds once the image is present; stopped by {@link #close()} (and by a JVM shutdown hook,
 * should the JVM exit first), containers and network removed. Settings favour speed over
 * durability ({@code fsync=off}). Blocking by design: use it from tests and {@code main}, never
 * from an event-loop thread.
 *
 * <pre>{@code
 * if (ContainerCluster.isDockerAvailable()) {
 *     try (ContainerCluster cluster = ContainerCluster.start(2)) {
 *         ClusterConfig config = cluster.clusterConfig().build();
 *         cluster.replicas().get(0).partition(); // connections to it now hang
 *     }
 * }
 * }</pre>
 */
public final class ContainerCluster implements PostgresCluster {

    /** The environment variable naming the image to use instead of {@code postgres:<version>}. */
    public static final String IMAGE_VARIABLE = "FLOWGRES_TEST_IMAGE";

    /** The system property naming the image to use; wins over {@value #IMAGE_VARIABLE}. */
    public static final String IMAGE_PROPERTY = "flowgres.test.image";

    /** The PostgreSQL major version of the official image used by default. */
    public static final String DEFAULT_POSTGRES_VERSION = "15";

    private static final Logger log = LoggerFactory.getLogger(ContainerCluster.class);

    private final Builder settings;
    private final String database;
    private final String user;
    private final String password;
    private final DockerImageName image;
    private final Network network;
    private final NodeContainers containers;
    private final List<ContainerNode> replicas = new ArrayList<>();
    private final Thread shutdownHook;
    private @Nullable ContainerNode primary;
    private boolean closed;

    private ContainerCluster(Builder settings, DockerImageName image) {
        this.settings = settings;
        this.database = settings.database;
        this.user = settings.user;
        this.password = settings.password;
        this.image = image;
        this.network = Network.newNetwork();
        this.containers = new NodeContainers(settings, image, network, UUID.randomUUID().toString().substring(0, 8));
        this.shutdownHook = new Thread(this::closeQuietly, "flowgres-container-cluster-shutdown");
    }

    /** A builder with the defaults: 2 replicas, database, user and password {@code flowgres}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a cluster with defaults and the given number of replicas.
     *
     * @param replicas 0 to 16
     * @return the running cluster
     */
    public static ContainerCluster start(int replicas) {
        return builder().replicas(replicas).start();
    }

    /**
     * Whether Testcontainers finds a Docker engine that answers (its own discovery: {@code
     * DOCKER_HOST}, the default socket, {@code ~/.testcontainers.properties}...). The answer is
     * cached by Testcontainers for the JVM's life.
     *
     * @return true when containers can be started
     */
    public static boolean isDockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            log.debug("No Docker engine: {}", e.getMessage());
            return false;
        }
    }

    /**
     * The image a cluster uses unless its builder names one: {@code -D}{@value #IMAGE_PROPERTY}, else
     * {@value #IMAGE_VARIABLE}, else the official {@code postgres:<postgresVersion>}. A configured
     * image is declared a substitute for {@code postgres}, as Testcontainers' PostgreSQL module
     * requires of a local image.
     *
     * @param postgresVersion the official image's tag, e.g. {@code 15} or {@code 16.4}
     * @return the image
     */
    public static DockerImageName defaultImage(String postgresVersion) {
        String configured = System.getProperty(IMAGE_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(IMAGE_VARIABLE);
        }
        return image(configured, postgresVersion);
    }

    static DockerImageName image(@Nullable String configured, String postgresVersion) {
        if (configured == null || configured.isBlank()) {
            return DockerImageName.parse("postgres:" + postgresVersion);
        }
        return DockerImageName.parse(configured.trim()).asCompatibleSubstituteFor("postgres");
    }

    /** The primary. */
    public ContainerNode primary() {
        ContainerNode node = primary;
        if (node == null) {
            throw new IllegalStateException("the cluster has not started");
        }
        return node;
    }

    /** The replicas, {@code replica-1} first. */
    public List<ContainerNode> replicas() {
        return List.copyOf(replicas);
    }

    /** The primary, then the replicas. */
    public List<ContainerNode> nodes() {
        List<ContainerNode> all = new ArrayList<>();
        all.add(primary());
        all.addAll(replicas);
        return List.copyOf(all);
    }

    /**
     * A cluster configuration pointing at every node of this cluster, as {@link
     * LocalCluster#clusterConfig()} does for a local one.
     *
     * @return a builder with primary, replicas (by their names) and credentials set, to adjust
     */
    public ClusterConfig.Builder clusterConfig() {
        ClusterConfig.Builder builder = ClusterConfig.builder()
                .primary(NodeConfig.of(primary().name(), primary().r2dbcUrl()))
                .credentials(user, password);
        for (ContainerNode replica : replicas()) {
            builder.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        return builder;
    }

    /** The database every node serves. */
    public String database() {
        return database;
    }

    /** The superuser name. */
    public String user() {
        return user;
    }

    /** The superuser's password. */
    public String password() {
        return password;
    }

    /** The image every node runs. */
    public String image() {
        return image.asCanonicalNameString();
    }

    String networkId() {
        return network.getId();
    }

    /**
     * Waits until every running, unpaused, connected replica has replayed everything the primary
     * has written so far.
     *
     * @param timeout how long to wait
     * @throws IllegalStateException when a replica has not caught up in time
     */
    public void awaitReplication(Duration timeout) {
        String lsn = BlockingSql.query(primary().sql(database), "SELECT pg_current_wal_insert_lsn()::text",
                row -> String.valueOf(row.get(0))).get(0);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ContainerNode replica : replicas) {
            if (!replica.isReplica() || replica.isPaused() || replica.isPartitioned() || !replica.isRunning()) {
                continue;
            }
            PostgresqlConnectionFactory sql = replica.sql(database);
            while (!caughtUp(sql, lsn)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(replica.name() + " has not replayed " + lsn + " within " + timeout);
                }
                LocalNode.sleep(50);
            }
        }
    }

    private static boolean caughtUp(PostgresqlConnectionFactory sql, String lsn) {
        try {
            return Boolean.TRUE.equals(BlockingSql.query(sql, "SELECT pg_last_wal_replay_lsn() >= '" + lsn
                    + "'::pg_lsn", row -> row.get(0, Boolean.class)).get(0));
        } catch (RuntimeException e) {
            return false; // still starting up
        }
    }

    /** Removes every container (replicas first) and the network. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
        List<ContainerNode> removeOrder = new ArrayList<>(replicas);
        if (primary != null) {
            removeOrder.add(primary);
        }
        for (ContainerNode node : removeOrder) {
            node.releasePort();
            try {
                node.container().stop(); // kills and removes the container with its volumes
            } catch (RuntimeException e) {
                log.warn("Removing the container of {} failed: {}", node.name(), e.getMessage());
            }
        }
        try {
            network.close();
        } catch (RuntimeException e) {
            log.warn("Removing the cluster's network failed: {}", e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("Stopping the container cluster failed: {}", e.getMessage());
        }
    }

    private void boot() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long started = System.nanoTime();
        ContainerNode first = createNode("primary", false, LoopbackPorts.free());
        primary = first;
        startOrExplain(first);
        NodeContainers.allowReplication(first);
        BlockingSql.execute(first.sql(database), "SELECT pg_reload_conf()");
        BlockingSql.execute(first.sql(database), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        // The replicas start together: their ports are picked together, so that no two are the same.
        int[] ports = LoopbackPorts.free(settings.replicas);
        for (int i = 1; i <= settings.replicas; i++) {
            replicas.add(createNode("replica-" + i, true, ports[i - 1]));
        }
        startTogether(replicas);
        awaitStreaming(first);
        log.info("PostgreSQL container cluster up in {} ms: {}, primary on {}, replicas on {}",
                (System.nanoTime() - started) / 1_000_000, image(), first.port(),
                replicas.stream().map(ContainerNode::port).toList());
    }

    private ContainerNode createNode(String name, boolean replica, int port) {
        GenericContainer<?> container = containers.define(name, replica, port);
        ContainerNode node = new ContainerNode(name, port, replica, container, this);
        container.withLogConsumer(node.output());
        container.waitingFor(new NodeReady(node, settings.startupTimeout).withStartupTimeout(settings.startupTimeout));
        return node;
    }

    private void startOrExplain(ContainerNode node) {
        try {
            node.container().start();
        } catch (RuntimeException e) {
            throw new IllegalStateException(node.name() + " did not start in a container of " + image() + ": "
                    + e.getMessage() + "\nits log: " + node.logTail(), e);
        }
    }

    /** Starts the replicas side by side: each spends most of its start-up waiting for its base backup. */
    private void startTogether(List<ContainerNode> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        ExecutorService starters = Executors.newFixedThreadPool(nodes.size(), task -> {
            Thread thread = new Thread(task, "flowgres-container-start");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<Void>> starts = nodes.stream()
                    .map(node -> CompletableFuture.runAsync(() -> startOrExplain(node), starters))
                    .toList();
            for (CompletableFuture<Void> start : starts) {
                try {
                    start.join();
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException cause ? cause : e;
                }
            }
        } finally {
            starters.shutdownNow();
        }
    }

    private void awaitStreaming(ContainerNode first) {
        long deadline = System.nanoTime() + settings.startupTimeout.toNanos();
        PostgresqlConnectionFactory sql = first.sql("postgres");
        while (true) {
            List<String> streaming = BlockingSql.query(sql,
                    "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'",
                    row -> String.valueOf(row.get(0)));
            if (replicas.stream().allMatch(replica -> streaming.contains(LocalCluster.slotOf(replica.name())))) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("replicas not streaming within " + settings.startupTimeout
                        + "; streaming: " + streaming);
            }
            LocalNode.sleep(20);
        }
    }

    /** Builds and starts a {@link ContainerCluster}. Not thread-safe. */
    public static final class Builder {

        /** The default time a node may take to accept connections. */
        public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(120);

        private int replicas = 2;
        private String database = "flowgres";
        private String user = "flowgres";
        private String password = "flowgres";
        private String postgresVersion = DEFAULT_POSTGRES_VERSION;
        private @Nullable String image;
        private final Map<String, String> serverSettings = new LinkedHashMap<>();
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

        private Builder() {
        }

        /**
         * Sets the number of streaming replicas.
         *
         * @param replicas 0 to 16 (default 2)
         * @return this builder
         */
        public Builder replicas(int replicas) {
            if (replicas < 0 || replicas > 16) {
                throw new IllegalArgumentException("replicas must be between 0 and 16, was " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        /**
         * Sets the database created on the primary.
         *
         * @param database a simple identifier (default {@code flowgres})
         * @return this builder
         */
        public Builder database(String database) {
            this.database = identifier("database", database);
            return this;
        }

        /**
         * Sets the superuser's name.
         *
         * @param user a simple identifier (default {@code flowgres})
         * @return this builder
         */
        public Builder user(String user) {
            this.user = identifier("user", user);
            return this;
        }

        /**
         * Sets the superuser's password.
         *
         * @param password letters, digits, {@code _ . -} (default {@code flowgres})
         * @return this builder
         */
        public Builder password(String password) {
            if (password == null || !password.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("password must be 1-64 letters, digits, '_', '.' or '-'");
            }
            this.password = password;
            return this;
        }

        /**
         * Sets the tag of the official {@code postgres} image, used when no image is configured
         * ({@link #image(String)}, {@value ContainerCluster#IMAGE_PROPERTY}, {@value ContainerCluster#IMAGE_VARIABLE}).
         *
         * @param postgresVersion a tag such as {@code 16} or {@code 17.2}, 14 or newer (default
         *        {@value ContainerCluster#DEFAULT_POSTGRES_VERSION})
         * @return this builder
         */
        public Builder postgresVersion(String postgresVersion) {
            if (postgresVersion == null || !postgresVersion.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
                throw new IllegalArgumentException("postgresVersion must be an image tag such as 16 or 17.2, was '"
                        + postgresVersion + "'");
            }
            this.postgresVersion = postgresVersion;
            return this;
        }

        /**
         * Uses this image instead of the configured or official one. It must behave like the official
         * image (its {@code POSTGRES_*} variables, {@code docker-entrypoint.sh} on the path, {@code
         * PGDATA} set, the PostgreSQL programs on the path).
         *
         * @param image a name Docker knows, e.g. {@code postgres:16} or a locally built tag
         * @return this builder
         */
        public Builder image(String image) {
            if (image == null || image.isBlank()) {
                throw new IllegalArgumentException("image must not be blank, was '" + image + "'");
            }
            DockerImageName.parse(image.trim()); // fails here, on a malformed name
            this.image = image.trim();
            return this;
        }

        /**
         * Adds a server setting for every node, passed as {@code postgres -c name=value}. Such a
         * setting cannot be changed at run time by {@code ALTER SYSTEM}: leave {@code
         * recovery_min_apply_delay} to {@link ContainerNode#setApplyDelay(Duration)}.
         *
         * @param name the setting, e.g. {@code max_connections}
         * @param value its value, unquoted, e.g. {@code 300} or {@code on}
         * @return this builder
         */
        public Builder serverSetting(String name, String value) {
            if (name == null || !name.matches("[a-z_.]{1,63}")) {
                throw new IllegalArgumentException("server setting name must be lower-case letters, '_' or '.', was '"
                        + name + "'");
            }
            if (value == null || value.contains("\n")) {
                throw new IllegalArgumentException("server setting " + name + " must have a one-line value");
            }
            serverSettings.put(name, value);
            return this;
        }

        /**
         * Sets how long a node may take to accept connections, once its image is present.
         *
         * @param timeout positive (default 120 s)
         * @return this builder
         */
        public Builder startupTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive, was " + timeout);
            }
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * Starts the cluster: the primary, then each replica cloned from it, and waits until every
         * replica streams. On failure everything started is removed.
         *
         * @return the running cluster
         * @throws IllegalStateException when it cannot start, with the failing server's log
         */
        public ContainerCluster start() {
            DockerImageName chosen = image != null ? ContainerCluster.image(image, postgresVersion)
                    : defaultImage(postgresVersion);
            ContainerCluster cluster = new ContainerCluster(copy(), chosen);
            try {
                cluster.boot();
                return cluster;
            } catch (RuntimeException e) {
                cluster.closeQuietly();
                throw e;
            }
        }

        String database() {
            return database;
        }

        String user() {
            return user;
        }

        String password() {
            return password;
        }

        Map<String, String> serverSettings() {
            return serverSettings;
        }

        private Builder copy() {
            Builder copy = new Builder();
            copy.replicas = replicas;
            copy.database = database;
            copy.user = user;
            copy.password = password;
            copy.postgresVersion = postgresVersion;
            copy.image = image;
            copy.serverSettings.putAll(serverSettings);
            copy.startupTimeout = startupTimeout;
            return copy;
        }

        private static String identifier(String name, String value) {
            if (value == null || !value.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException(name + " must be a lower-case identifier, was '" + value + "'");
            }
            return value;
        }
    }
}
