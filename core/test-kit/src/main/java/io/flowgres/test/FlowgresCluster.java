package io.flowgres.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a running PostgreSQL cluster: a real primary and {@link #replicas()} streaming
 * replicas on free loopback ports, started once before the class and stopped after it, whatever
 * happened. It runs in Docker containers or on this machine's PostgreSQL binaries, as
 * {@link ClusterBackend} selects ({@code -Dflowgres.test.backend} or {@code FLOWGRES_TEST_BACKEND}:
 * {@code auto}, the default, {@code testcontainers} or {@code local}). Test constructors,
 * {@code @BeforeAll} methods and test methods may declare parameters of type
 * {@link io.flowgres.local.PostgresCluster} (the cluster, with its fault controls: stop, kill,
 * restart, pause, lag, promote; runs on both backends), {@link io.flowgres.local.LocalCluster} or
 * {@link io.flowgres.local.ContainerCluster} (one backend's own controls, e.g. a container's
 * network partition) and {@link io.flowgres.cluster.ClusterConfig} (a configuration pointing at
 * every node).
 *
 * <pre>{@code
 * @FlowgresCluster(replicas = 2)
 * final class OrdersIT {
 *     @Test
 *     void readsComeFromReplicas(ClusterConfig config) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(FlowgresClusterExtension.class)
public @interface FlowgresCluster {

    /**
     * How many streaming replicas the cluster has.
     *
     * @return the number, 0 or more (default 2)
     */
    int replicas() default 2;
}
