package io.flowgres.local;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;

/**
 * How the containers of one {@link ContainerCluster} are defined: image, network and name, the
 * official image's {@code POSTGRES_*} variables, a fixed port on the loopback address, the server
 * settings, and for a replica the clone from the primary on its first start.
 */
final class NodeContainers {

    static final int POSTGRES_PORT = 5432;

    /**
     * How a replica's container starts: on its first start it clones the primary, creating its
     * replication slot and writing standby.signal and primary_conninfo (-R); then, as on every
     * start, the image's own entrypoint runs the server (as the postgres account, after giving it
     * the files pg_basebackup wrote as root).
     */
    private static final String REPLICA_SCRIPT = String.join("\n",
            "set -e",
            "if [ ! -s \"$PGDATA/PG_VERSION\" ]; then",
            "  export PGPASSWORD=\"$POSTGRES_PASSWORD\"",
            // The primary may not take replication connections yet (its pg_hba.conf reload is
            // asynchronous): try again, from an empty directory and without the slot a failed try made.
            "  for attempt in $(seq 1 30); do",
            "    if pg_basebackup --host=\"$FLOWGRES_UPSTREAM\" --username=\"$POSTGRES_USER\" --pgdata=\"$PGDATA\" \\",
            "        --write-recovery-conf --wal-method=stream --checkpoint=fast --create-slot --slot=\"$FLOWGRES_SLOT\"; then",
            "      break",
            "    fi",
            "    if [ \"$attempt\" = 30 ]; then exit 1; fi",
            "    echo \"flowgres: base backup attempt $attempt failed; trying again\" >&2",
            "    rm -rf \"${PGDATA:?}\"/*",
            "    psql --host=\"$FLOWGRES_UPSTREAM\" --username=\"$POSTGRES_USER\" --dbname=\"$POSTGRES_DB\" -qAtc \\",
            "      \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \\",
            "       WHERE slot_name = '$FLOWGRES_SLOT' AND NOT active\" >/dev/null 2>&1 || true",
            "    sleep 1",
            "  done",
            "fi",
            "exec docker-entrypoint.sh \"$@\"");

    /** The official image allows no replication connection from other hosts (the project's image does). */
    private static final String ALLOW_REPLICATION = "grep -q '^host replication all all' \"$PGDATA/pg_hba.conf\""
            + " || echo 'host replication all all scram-sha-256' >> \"$PGDATA/pg_hba.conf\"";

    private final ContainerCluster.Builder settings;
    private final DockerImageName image;
    private final Network network;
    private final String namePrefix;

    NodeContainers(ContainerCluster.Builder settings, DockerImageName image, Network network, String clusterId) {
        this.settings = settings;
        this.image = image;
        this.network = network;
        this.namePrefix = "flowgres-" + clusterId + "-";
    }

    /**
     * Defines, without starting it, the container of a node.
     *
     * @param node the node's name, also its host name on the network
     * @param replica whether it clones the primary ({@code primary} on the network)
     * @param port its port on {@value LocalNode#HOST}, fixed so that it survives restarts
     * @return the container
     */
    GenericContainer<?> define(String node, boolean replica, int port) {
        GenericContainer<?> container = new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(node)
                .withExposedPorts(POSTGRES_PORT)
                .withEnv("POSTGRES_USER", settings.user())
                .withEnv("POSTGRES_PASSWORD", settings.password())
                .withEnv("POSTGRES_DB", settings.database())
                .withEnv("POSTGRES_INITDB_ARGS", "--no-sync")
                .withLabel("io.flowgres.test.node", node)
                .withCreateContainerCmdModifier(command -> command.withName(namePrefix + node));
        container.setPortBindings(List.of(LocalNode.HOST + ":" + port + ":" + POSTGRES_PORT));
        List<String> command = new ArrayList<>();
        if (replica) {
            container.withEnv("FLOWGRES_UPSTREAM", "primary").withEnv("FLOWGRES_SLOT", LocalCluster.slotOf(node));
            command.addAll(List.of("bash", "-c", REPLICA_SCRIPT, "flowgres-replica"));
        }
        command.add("postgres");
        serverSettings(LocalCluster.slotOf(node)).forEach((setting, value) -> {
            command.add("-c");
            command.add(setting + "=" + value);
        });
        return container.withCommand(command.toArray(String[]::new));
    }

    private Map<String, String> serverSettings(String clusterName) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("cluster_name", clusterName); // a replica's application_name on the primary
        all.put("max_connections", "200");
        all.put("shared_buffers", "64MB");
        all.put("wal_level", "replica");
        all.put("max_wal_senders", "20");
        all.put("max_replication_slots", "20");
        all.put("hot_standby", "on");
        all.put("hot_standby_feedback", "on");
        all.put("wal_receiver_status_interval", "1s");
        all.put("wal_retrieve_retry_interval", "1s");
        // A partitioned or frozen peer is given up in seconds, so that streaming resumes soon after.
        all.put("wal_sender_timeout", "10s");
        all.put("wal_receiver_timeout", "10s");
        all.put("fsync", "off");
        all.put("synchronous_commit", "off");
        all.put("full_page_writes", "off");
        all.put("log_line_prefix", "%m [%p] ");
        all.put("shared_preload_libraries", "pg_stat_statements");
        all.putAll(settings.serverSettings());
        return all;
    }

    /** Lets replicas connect to this node for replication, from any host of the network. */
    static void allowReplication(ContainerNode node) {
        Container.ExecResult result;
        try {
            result = node.container().execInContainer("bash", "-c", ALLOW_REPLICATION);
        } catch (IOException e) {
            throw new IllegalStateException("cannot allow replication on " + node.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (result.getExitCode() != 0) {
            throw new IllegalStateException("cannot allow replication on " + node.name() + ": " + result.getStderr());
        }
    }
}
