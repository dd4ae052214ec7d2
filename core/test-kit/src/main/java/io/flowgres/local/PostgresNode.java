package io.flowgres.local;

import java.time.Duration;

/**
 * One server of a {@link PostgresCluster} with the faults a test can inflict on it, the same on
 * both backends.
 */
public interface PostgresNode {

    /** The node's name: {@code primary}, {@code replica-1}, ... */
    String name();

    /** The host it listens on (loopback). */
    String host();

    /** The port it listens on; unchanged across restarts. */
    int port();

    /** Its R2DBC URL, without credentials. */
    String r2dbcUrl();

    /** Its JDBC URL, without credentials. */
    String jdbcUrl();

    /** Whether it was created as a replica. */
    boolean isReplica();

    /** Whether its server runs. */
    boolean isRunning();

    /** Whether it is frozen by {@link #pause()}. */
    boolean isPaused();

    /** Starts the server (again) and waits until it accepts connections. */
    void start();

    /** Stops the server cleanly and waits for it to exit. */
    void stop();

    /** Stops and starts the server. */
    void restart();

    /** Kills the server without any shutdown; {@link #start()} recovers it. */
    void kill();

    /** Freezes the server: connections are accepted but never answered, as with a hung host. */
    void pause();

    /** Resumes a frozen server. */
    void resume();

    /**
     * Delays the replay of WAL on a replica: real replication lag.
     *
     * @param delay the delay; {@link Duration#ZERO} removes it
     */
    void setApplyDelay(Duration delay);

    /** Promotes a replica to a primary and waits until it leaves recovery. */
    void promote();
}
