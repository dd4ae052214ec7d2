package io.flowgres.local;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL topology on this machine: one primary and N physical streaming replicas
 * ({@code hot_standby=on}) on free 127.0.0.1 ports in a work directory, started in seconds and
 * stopped by {@link #close()} (and by a JVM shutdown hook, should the JVM exit first).
 *
 * <p>When the JVM runs as root, the servers run as an unprivileged account ({@code postgres} by
 * default, or {@code -Dflowgres.local.osUser}), since PostgreSQL refuses to run as root. The
 * settings favour speed over durability ({@code fsync=off}): this is for development, tests and
 * benchmarks, never for data that matters. Blocking by design: use it from tests and {@code main},
 * never from an event-loop thread.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(2)) {
 *     String url = cluster.primary().r2dbcUrl();
 *     cluster.replicas().get(0).setApplyDelay(Duration.ofSeconds(5)); // real replication lag
 * }
 * }</pre>
 */
public final class LocalCluster implements PostgresCluster {

    /** The system property naming the account servers run as when the JVM is root. */
    public static final String OS_USER_PROPERTY = "flowgres.local.osUser";

    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

    private final Builder settings;
    private final Path workDirectory;
    private final PostgresBinaries binaries;
    private final ProcessRunner runner;
    private final List<LocalNode> replicas = new ArrayList<>();
    private final Thread shutdownHook;
    private @Nullable LocalNode primary;
    private boolean fromSnapshot;
    private boolean closed;

    private LocalCluster(Builder settings, Path workDirectory, PostgresBinaries binaries, ProcessRunner runner) {
        this.settings = settings;
        this.workDirectory = workDirectory;
        this.binaries = binaries;
        this.runner = runner;
        this.shutdownHook = new Thread(this::closeQuietly, "flowgres-local-cluster-shutdown");
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
    public static LocalCluster start(int replicas) {
        return builder().replicas(replicas).start();
    }

    static String defaultOsUser() {
        return System.getProperty(OS_USER_PROPERTY, "postgres");
    }

    /** The primary. */
    public LocalNode primary() {
        LocalNode node = primary;
        if (node == null) {
            throw new IllegalStateException("the cluster has not started");
        }
        return node;
    }

    /** The replicas, {@code replica-1} first. */
    public List<LocalNode> replicas() {
        return List.copyOf(replicas);
    }

    /** The primary, then the replicas. */
    public List<LocalNode> nodes() {
        List<LocalNode> all = new ArrayList<>();
        all.add(primary());
        all.addAll(replicas);
        return List.copyOf(all);
    }

    /**
     * A cluster configuration pointing at every node of this cluster: the one mapping from a
     * local cluster to Flowgres, for tests, benchmarks and the embedded reference service.
     *
     * @return a builder with primary, replicas (by their names) and credentials set, to adjust
     */
    public ClusterConfig.Builder clusterConfig() {
        ClusterConfig.Builder builder = ClusterConfig.builder()
                .primary(NodeConfig.of(primary().name(), primary().r2dbcUrl()))
                .credentials(user(), password());
        for (LocalNode replica : replicas()) {
            builder.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        return builder;
    }

    /** The database every node serves. */
    public String database() {
        return settings.database;
    }

    /** The superuser name. */
    public String user() {
        return settings.user;
    }

    /** The superuser's password. */
    public String password() {
        return settings.password;
    }

    /** Where the data directories and logs live. */
    public Path workDirectory() {
        return workDirectory;
    }

    /** The PostgreSQL installation in use. */
    public PostgresBinaries binaries() {
        return binaries;
    }

    ProcessRunner runner() {
        return runner;
    }

    /**
     * Waits until every running, unpaused replica has replayed everything the primary has written
     * so far.
     *
     * @param timeout how long to wait
     * @throws IllegalStateException when a replica has not caught up in time
     */
    public void awaitReplication(Duration timeout) {
        // The insert position, not the write position: with synchronous_commit=off a commit may
        // still sit in the WAL buffers, and it must count as written.
        String lsn = BlockingSql.query(primary().sql(database()), "SELECT pg_current_wal_insert_lsn()::text",
                row -> String.valueOf(row.get(0))).get(0);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (LocalNode replica : replicas) {
            if (!replica.isReplica() || !replica.isRunning() || replica.isPaused()) {
                continue;
            }
            PostgresqlConnectionFactory sql = replica.sql(database());
            while (!caughtUp(sql, lsn)) {
                if (System.nanoTime() > deadline) {
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

    /** Stops every server (replicas first), removes the work directory unless asked to keep it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (settings.shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // called from the hook itself
            }
        }
        log.info("Stopping the local PostgreSQL cluster (primary on port {})",
                primary != null ? primary.port() : "none");
        List<LocalNode> stopOrder = new ArrayList<>(replicas);
        if (primary != null) {
            stopOrder.add(primary);
        }
        for (LocalNode node : stopOrder) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                log.warn("Clean stop of {} failed, killing it: {}", node.name(), e.getMessage());
                node.kill();
            }
        }
        if (!settings.keepWorkDirectory) {
            FileTrees.delete(workDirectory);
        }
        replenishSpares();
    }

    /**
     * With a snapshot of this cluster's data, leaves as many spare copies of it as this cluster has nodes,
     * so that the next start renames them into place instead of copying (a second or so of a seeded
     * service's start, paid here once the servers are stopped).
     */
    private void replenishSpares() {
        Path directory = settings.snapshotDirectory;
        if (directory == null) {
            return;
        }
        DataSnapshot snapshot = DataSnapshot.find(directory, snapshotManifest(), new StringBuilder());
        if (snapshot != null) {
            long started = System.nanoTime();
            int made = snapshot.replenish(settings.replicas + 1);
            if (made > 0) {
                log.info("Copied {} spare(s) of the snapshot in {} for the next start in {} ms", made, directory,
                        (System.nanoTime() - started) / 1_000_000);
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("Stopping the local cluster failed: {}", e.getMessage());
        }
    }

    private void boot() {
        if (settings.shutdownHook) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        long started = System.nanoTime();
        // Picked together: two separate picks can return one port twice before the first server binds it.
        int[] ports = LoopbackPorts.free(1 + settings.replicas);
        LocalNode first = new LocalNode("primary", ports[0], workDirectory.resolve("primary"), false, this);
        primary = first;
        for (int i = 1; i <= settings.replicas; i++) {
            String name = "replica-" + i;
            replicas.add(new LocalNode(name, ports[i], workDirectory.resolve(name), true, this));
        }
        DataSnapshot snapshot = findSnapshot();
        fromSnapshot = snapshot != null && startFrom(snapshot);
        if (!fromSnapshot) {
            initPrimary(first);
            // Each replica is a base backup and a server start, mostly waiting on those processes: made
            // side by side, two replicas cost about what one did.
            onEach(replicas, replica -> makeReplica(first, replica));
        }
        awaitStreaming(first);
        log.info("Local PostgreSQL cluster up in {} ms{}: primary on {}, replicas on {} ({})",
                (System.nanoTime() - started) / 1_000_000, fromSnapshot ? " from the snapshot in "
                        + settings.snapshotDirectory : "", first.port(),
                replicas.stream().map(LocalNode::port).toList(), binaries.bin());
    }

    /** Runs the task for each node, each on a thread of its own, and returns once all have ended. */
    private static void onEach(List<LocalNode> nodes, java.util.function.Consumer<LocalNode> task) {
        settle(onEachAsync(nodes, task));
    }

    /** Begins the task for each node, each on a thread of its own; the result completes once all have ended. */
    private static CompletableFuture<Void> onEachAsync(List<LocalNode> nodes,
            java.util.function.Consumer<LocalNode> task) {
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (LocalNode node : nodes) {
            running.add(CompletableFuture.runAsync(() -> task.accept(node), LocalCluster::runOnOwnThread));
        }
        // allOf settles only when every task has, so closing the cluster after a failure finds no process starting.
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
    }

    /** Waits for the tasks, rethrowing the first failure as it was thrown. */
    private static void settle(CompletableFuture<Void> tasks) {
        try {
            tasks.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private @Nullable DataSnapshot findSnapshot() {
        Path directory = settings.snapshotDirectory;
        if (directory == null) {
            return null;
        }
        StringBuilder why = new StringBuilder();
        DataSnapshot snapshot = DataSnapshot.find(directory, snapshotManifest(), why);
        if (snapshot == null) {
            log.info("Starting an empty cluster: {}", why);
        }
        return snapshot;
    }

    private Map<String, String> snapshotManifest() {
        return DataSnapshot.manifest(settings.snapshotLabel, settings.user, settings.password, settings.database,
                binaries);
    }

    /**
     * Starts every node from a copy of the snapshot: the primary recovers the backup's WAL and serves;
     * each replica, the same files plus standby.signal, replays them and streams on from the primary.
     *
     * @return whether the cluster runs; when not, everything it began is undone and the reason logged
     */
    private boolean startFrom(DataSnapshot snapshot) {
        LocalNode first = primary();
        try {
            // Each node takes a spare copy (a rename) when the snapshot has one, else copies. The primary's
            // first, alone: then the replicas' proceed while it starts and makes their slots.
            place(snapshot, first);
            CompletableFuture<Void> replicaCopies = onEachAsync(replicas, replica -> place(snapshot, replica));
            try {
                prepareConf(first, false);
                startOrExplain(first);
                // Each slot keeps the WAL from here on; what came before is in the replica's own copy.
                if (!replicas.isEmpty()) {
                    quickSql(first, "SELECT " + String.join(", ", replicas.stream().map(replica ->
                            "pg_create_physical_replication_slot('" + slotOf(replica.name()) + "', true)").toList()));
                }
            } finally {
                settle(replicaCopies);
            }
            onEach(replicas, replica -> {
                prepareConf(replica, true);
                touch(replica.dataDirectory().resolve("standby.signal"));
                startOrExplain(replica);
            });
            return true;
        } catch (RuntimeException e) {
            log.warn("Could not start from the snapshot in {}, starting an empty cluster instead: {}",
                    settings.snapshotDirectory, e.getMessage());
            for (LocalNode node : nodes()) {
                if (Files.exists(node.dataDirectory())) {
                    node.kill();
                }
                FileTrees.delete(node.dataDirectory());
            }
            return false;
        }
    }

    private static void place(DataSnapshot snapshot, LocalNode node) {
        if (!snapshot.claimSpare(node.dataDirectory())) {
            snapshot.copyInto(node.dataDirectory());
        }
    }

    /**
     * Runs one statement on a node with {@code psql} when the installation has it, else over R2DBC: a
     * start from a snapshot then loads no driver in this JVM, whose first connection costs a busy start
     * up to a second of class loading on the way to the replicas' start (the application loads it later,
     * beside other work).
     *
     * @return the first column of each row
     */
    private List<String> quickSql(LocalNode node, String sql) {
        Path psql = binaries.program("psql");
        if (!Files.isExecutable(psql)) {
            return BlockingSql.query(node.sql("postgres"), sql, row -> String.valueOf(row.get(0)));
        }
        String out = ProcessRunner.direct().runOrFail(List.of(psql.toString(), "-X", "-q", "-A", "-t", "-v",
                "ON_ERROR_STOP=1", "-h", LocalNode.HOST, "-p", Integer.toString(node.port()), "-U", user(), "-d",
                "postgres", "-c", sql), Map.of("PGPASSWORD", password(), "PGCONNECT_TIMEOUT", "5"),
                Duration.ofSeconds(30));
        return out.lines().filter(line -> !line.isBlank()).toList();
    }

    /** Where this cluster's snapshot is read and saved (see {@link Builder#snapshot}), if it has one. */
    public java.util.Optional<Path> snapshotDirectory() {
        return java.util.Optional.ofNullable(settings.snapshotDirectory);
    }

    /** Whether this cluster started from a snapshot (see {@link Builder#snapshot}) rather than empty. */
    public boolean startedFromSnapshot() {
        return fromSnapshot;
    }

    /**
     * Saves what the primary holds now as the snapshot later clusters start from (see
     * {@link Builder#snapshot}), replacing the one in that directory. A base backup of the running
     * primary: the cluster keeps serving meanwhile, and the snapshot holds what was committed when the
     * backup began. Needs {@code pg_basebackup}.
     *
     * @throws IllegalStateException when no snapshot directory is set, pg_basebackup is missing, or the
     *         backup or the copy fails
     */
    public synchronized void saveSnapshot() {
        Path directory = settings.snapshotDirectory;
        if (directory == null) {
            throw new IllegalStateException("no snapshot directory: set LocalCluster.Builder.snapshot(...)");
        }
        if (!binaries.hasBaseBackup()) {
            throw new IllegalStateException("saving a snapshot needs pg_basebackup, which " + binaries.bin()
                    + " lacks");
        }
        long started = System.nanoTime();
        Path backup = workDirectory.resolve("snapshot-" + System.nanoTime());
        try {
            runner.runOrFail(List.of(binaries.program("pg_basebackup").toString(), "-d", "host=" + LocalNode.HOST
                    + " port=" + primary().port() + " user=" + user() + " password=" + password(), "-D",
                    backup.toString(), "-X", "stream", "--checkpoint=fast", "--no-sync"), Map.of(),
                    Duration.ofMinutes(5));
            DataSnapshot.publish(backup, directory, snapshotManifest());
        } finally {
            FileTrees.delete(backup);
        }
        log.info("Saved the primary's data as the snapshot in {} in {} ms", directory,
                (System.nanoTime() - started) / 1_000_000);
    }

    private void makeReplica(LocalNode primary, LocalNode replica) {
        ReplicaCloner.cloneInto(this, primary, slotOf(replica.name()), replica.dataDirectory());
        prepareConf(replica, true);
        touch(replica.dataDirectory().resolve("standby.signal"));
        startOrExplain(replica);
    }

    /** Writes a node's settings (the cluster's, its own, no runtime changes) and hands its files to the server's account. */
    private void prepareConf(LocalNode node, boolean replica) {
        node.writeConf(LocalNode.CLUSTER_CONF, serverSettings());
        writeNodeConf(node, replica);
        node.writeConf(LocalNode.RUNTIME_CONF, "");
        runner.handOver(node.dataDirectory());
    }

    private static void runOnOwnThread(Runnable task) {
        Thread thread = new Thread(task, "flowgres-local-cluster-node");
        thread.setDaemon(true);
        thread.start();
    }

    private void initPrimary(LocalNode node) {
        Path passwordFile = workDirectory.resolve("pwfile");
        try {
            Files.writeString(passwordFile, settings.password + "\n", StandardCharsets.UTF_8);
            runner.handOver(passwordFile);
            runner.runOrFail(List.of(binaries.program("initdb").toString(), "-D", node.dataDirectory().toString(),
                    "-U", settings.user, "--pwfile=" + passwordFile, "-A", "scram-sha-256", "-E", "UTF8",
                    "--locale=C", "--no-sync"), Map.of(), Duration.ofMinutes(2));
            Files.delete(passwordFile);
            Files.writeString(node.dataDirectory().resolve("pg_hba.conf"),
                    "host all all 127.0.0.1/32 scram-sha-256\nhost replication all 127.0.0.1/32 scram-sha-256\n",
                    StandardCharsets.UTF_8);
            // The cluster's settings, then the node's (port, upstream), then runtime changes (apply delay):
            // each file is rewritten whole, the last one read wins. A snapshot carries these lines along.
            Files.writeString(node.dataDirectory().resolve("postgresql.conf"), "\n# Flowgres local cluster\n"
                    + "include_if_exists = '" + LocalNode.CLUSTER_CONF + "'\n"
                    + "include_if_exists = '" + LocalNode.NODE_CONF + "'\n"
                    + "include_if_exists = '" + LocalNode.RUNTIME_CONF + "'\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the primary: " + e.getMessage(), e);
        }
        prepareConf(node, false);
        startOrExplain(node);
        if (!"postgres".equals(settings.database)) {
            BlockingSql.execute(node.sql("postgres"), "CREATE DATABASE \"" + settings.database + "\"");
        }
        if (binaries.hasPgStatStatements()) {
            BlockingSql.execute(node.sql(settings.database), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
    }

    private String serverSettings() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("listen_addresses", "'" + LocalNode.HOST + "'");
        all.put("unix_socket_directories", "''");
        all.put("max_connections", "200");
        all.put("shared_buffers", "64MB");
        all.put("wal_level", "replica");
        all.put("max_wal_senders", "20");
        all.put("max_replication_slots", "20");
        all.put("hot_standby", "on");
        all.put("hot_standby_feedback", "on");
        all.put("wal_receiver_status_interval", "1s");
        all.put("wal_retrieve_retry_interval", "1s");
        all.put("fsync", "off");
        all.put("synchronous_commit", "off");
        all.put("full_page_writes", "off");
        all.put("log_line_prefix", "'%m [%p] '");
        if (binaries.hasPgStatStatements()) {
            all.put("shared_preload_libraries", "'pg_stat_statements'");
        }
        all.putAll(settings.serverSettings);
        StringBuilder text = new StringBuilder();
        all.forEach((key, value) -> text.append(key).append(" = ").append(value).append('\n'));
        return text.toString();
    }

    private void writeNodeConf(LocalNode node, boolean replica) {
        StringBuilder conf = new StringBuilder("port = ").append(node.port()).append('\n');
        if (replica) {
            conf.append("primary_conninfo = 'host=").append(LocalNode.HOST).append(" port=").append(primary().port())
                    .append(" user=").append(settings.user).append(" password=").append(settings.password)
                    .append(" application_name=").append(slotOf(node.name())).append("'\n");
            conf.append("primary_slot_name = '").append(slotOf(node.name())).append("'\n");
        }
        node.writeConf(LocalNode.NODE_CONF, conf.toString());
    }

    private void startOrExplain(LocalNode node) {
        try {
            node.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException(node.name() + " did not start: " + e.getMessage() + "\nserver log: "
                    + node.logTail(), e);
        }
    }

    private void awaitStreaming(LocalNode first) {
        if (replicas.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + settings.startupTimeout.toNanos();
        while (true) {
            List<String> streaming = quickSql(first,
                    "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
            if (replicas.stream().allMatch(replica -> streaming.contains(slotOf(replica.name())))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicas not streaming within " + settings.startupTimeout
                        + "; streaming: " + streaming);
            }
            LocalNode.sleep(20);
        }
    }

    static String slotOf(String nodeName) {
        return nodeName.replace('-', '_');
    }

    private void touch(Path file) {
        try {
            Files.writeString(file, "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        runner.handOver(file);
    }

    /** Builds and starts a {@link LocalCluster}. Not thread-safe. */
    public static final class Builder {

        private int replicas = 2;
        private String database = "flowgres";
        private String user = "flowgres";
        private String password = "flowgres";
        private @Nullable Path workDirectory;
        private boolean keepWorkDirectory;
        private boolean shutdownHook = true;
        private @Nullable Path binDirectory;
        private @Nullable PostgresBinaries binaries;
        private final Map<String, String> serverSettings = new LinkedHashMap<>();
        private Duration startupTimeout = Duration.ofSeconds(60);
        private String osUser = defaultOsUser();
        private @Nullable Path snapshotDirectory;
        private String snapshotLabel = "";

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
         * Sets the work directory (created if needed); default a fresh temporary directory.
         *
         * @param workDirectory the directory
         * @return this builder
         */
        public Builder workDirectory(Path workDirectory) {
            this.workDirectory = java.util.Objects.requireNonNull(workDirectory, "workDirectory must not be null");
            return this;
        }

        /**
         * Keeps the work directory (data and logs) after {@link LocalCluster#close()}, for post-mortems.
         *
         * @param keep whether to keep it (default false)
         * @return this builder
         */
        public Builder keepWorkDirectory(boolean keep) {
            this.keepWorkDirectory = keep;
            return this;
        }

        /**
         * Whether the cluster registers a JVM shutdown hook that stops its servers when the JVM exits
         * (default true). An owner that stops it in an order of its own turns it off and stops it itself:
         * a Spring application stops it after its graceful shutdown, when requests still running have
         * finished, where the JVM runs every hook at once.
         *
         * @param register whether to register the hook
         * @return this builder
         */
        public Builder shutdownHook(boolean register) {
            this.shutdownHook = register;
            return this;
        }

        /**
         * Uses the PostgreSQL programs in this directory instead of searching.
         *
         * @param binDirectory a directory with initdb, pg_ctl and postgres
         * @return this builder
         */
        public Builder binDirectory(Path binDirectory) {
            this.binDirectory = java.util.Objects.requireNonNull(binDirectory, "binDirectory must not be null");
            return this;
        }

        /**
         * Uses this PostgreSQL installation instead of searching, e.g.
         * {@link PostgresBinaries#fromClasspathArtifact()}.
         *
         * @param binaries the installation
         * @return this builder
         */
        public Builder binaries(PostgresBinaries binaries) {
            this.binaries = java.util.Objects.requireNonNull(binaries, "binaries must not be null");
            return this;
        }

        /**
         * Adds a {@code postgresql.conf} setting for every node.
         *
         * @param name the setting, e.g. {@code max_connections}
         * @param value its value as written in the file, e.g. {@code 300} or {@code 'on'}
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
         * Sets how long start-up may take before it fails.
         *
         * @param timeout positive (default 60 s)
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
         * Starts from a data snapshot instead of an empty {@code initdb}, when {@code directory} holds one
         * that {@link LocalCluster#saveSnapshot()} saved with this label, these credentials and database,
         * and this PostgreSQL installation; every node starts from a copy (the snapshot itself is never
         * changed). Otherwise the cluster starts empty, and {@code saveSnapshot()} saves one there. For
         * data that takes long to prepare (issue #16: a seeded reference service ready in seconds): the
         * application names its content by the label, e.g. a hash of its migrations and seed, so a
         * snapshot of other content is never used.
         *
         * @param directory where the snapshot is (or is to be saved); created on save
         * @param label what the data holds, as the application names it
         * @return this builder
         */
        public Builder snapshot(Path directory, String label) {
            this.snapshotDirectory = java.util.Objects.requireNonNull(directory, "directory must not be null");
            this.snapshotLabel = java.util.Objects.requireNonNull(label, "label must not be null");
            return this;
        }

        /**
         * Sets the account servers run as when the JVM is root.
         *
         * @param osUser an existing account (default {@code postgres})
         * @return this builder
         */
        public Builder osUser(String osUser) {
            this.osUser = identifier("osUser", osUser);
            return this;
        }

        /**
         * Starts the cluster: initdb (or a copy of the snapshot, see {@link #snapshot}), primary,
         * replicas cloned from it, and waits until every replica streams. On failure everything started is stopped and the directory removed.
         *
         * @return the running cluster
         * @throws IllegalStateException when it cannot start, with the server log's tail
         */
        public LocalCluster start() {
            ProcessRunner runner = ProcessRunner.forCurrentUser(osUser);
            PostgresBinaries binaries = this.binaries != null ? this.binaries : PostgresBinaries.locate(binDirectory);
            Path directory;
            try {
                directory = workDirectory != null ? Files.createDirectories(workDirectory)
                        : Files.createTempDirectory("flowgres-cluster-");
                // The server's account must be able to reach the data directories inside.
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the work directory: " + e.getMessage(), e);
            }
            runner.handOver(directory);
            LocalCluster cluster = new LocalCluster(this, directory, binaries, runner);
            try {
                cluster.boot();
                return cluster;
            } catch (RuntimeException e) {
                cluster.closeQuietly();
                throw e;
            }
        }

        private static String identifier(String name, String value) {
            if (value == null || !value.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException(name + " must be a lower-case identifier, was '" + value + "'");
            }
            return value;
        }
    }
}
