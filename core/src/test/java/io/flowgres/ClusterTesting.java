package io.flowgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.cluster.PoolPolicy;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Flux;

/**
 * Small helpers shared by the integration tests that drive a real cluster: statements as work
 * functions, and bounded waits for conditions the servers reach in their own time.
 */
public final class ClusterTesting {

    private ClusterTesting() {
    }

    /**
     * Runs a query and reads its first column as text.
     *
     * @param connection the attempt's connection
     * @param sql the query
     * @return the first column of every row
     */
    public static Flux<String> strings(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map(row -> String.valueOf(row.get(0))));
    }

    /**
     * Runs a statement and reports the rows it updated.
     *
     * @param connection the attempt's connection
     * @param sql the statement
     * @return the update counts
     */
    public static Flux<Long> execute(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(result -> result.getRowsUpdated());
    }

    /**
     * A configuration of the cluster's primary alone, with a pool of exactly one connection: every
     * operation lands on the same connection unless it was discarded.
     *
     * @param cluster the running cluster
     * @return a builder for the test to adjust
     */
    public static ClusterConfig.Builder oneConnectionTo(LocalCluster cluster) {
        return ClusterConfig.builder().primary(cluster.primary().r2dbcUrl())
                .credentials(cluster.user(), cluster.password())
                .pool(PoolPolicy.test().toBuilder().initialSize(1).maxSize(1).build());
    }

    /**
     * Closes what a test class opened, in order, skipping what was never opened (a failed start).
     *
     * @param resources the facade, then the cluster, say
     */
    public static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not close " + resource, e);
            }
        }
    }

    /**
     * Polls a condition every 50 ms and fails the test when it is not met in time.
     *
     * @param condition the condition
     * @param timeout how long to wait
     */
    public static void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within %s", timeout).isLessThan(deadline);
            sleep(Duration.ofMillis(50));
        }
    }

    /**
     * Sleeps, keeping the interrupt flag.
     *
     * @param duration how long
     */
    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits up to 30 s for a thread to end, keeping the interrupt flag.
     *
     * @param thread the thread
     */
    public static void join(Thread thread) {
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
