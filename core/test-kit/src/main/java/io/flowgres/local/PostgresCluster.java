package io.flowgres.local;

import java.time.Duration;
import java.util.List;

import io.flowgres.cluster.ClusterConfig;

/**
 * A running primary with its streaming replicas, wherever it runs: on this machine's PostgreSQL
 * binaries ({@link LocalCluster}) or in Docker containers ({@link ContainerCluster}). Tests written
 * against this type run on either backend.
 */
public interface PostgresCluster extends AutoCloseable {

    /** The primary. */
    PostgresNode primary();

    /** The replicas, in order ({@code replica-1}, {@code replica-2}, ...). */
    List<? extends PostgresNode> replicas();

    /** The primary followed by the replicas. */
    List<? extends PostgresNode> nodes();

    /**
     * A cluster configuration pointing at every node, with names and credentials set.
     *
     * @return a builder for the test to adjust
     */
    ClusterConfig.Builder clusterConfig();

    /** The database every node serves. */
    String database();

    /** The user tests connect as. */
    String user();

    /** That user's password. */
    String password();

    /**
     * Waits until every running replica has replayed everything the primary has written so far.
     *
     * @param timeout the longest wait
     */
    void awaitReplication(Duration timeout);

    /** Stops every server and removes what it made. */
    @Override
    void close();
}
