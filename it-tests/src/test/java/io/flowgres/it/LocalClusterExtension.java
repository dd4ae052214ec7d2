package io.flowgres.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one JUnit extension for integration tests on a real cluster: starts a {@link LocalCluster}
 * (a real PostgreSQL primary and streaming replicas on free loopback ports) once per test class,
 * injects it into test constructors, {@code @BeforeAll} and test methods, and stops it after the
 * class, whatever happened.
 *
 * <p>Where a Docker engine is available this is the place to select Testcontainers instead; this
 * machine kind has none, so the launcher is always used.
 */
public final class LocalClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** How many replicas the cluster of a test class has (default 2). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Replicas {
        /**
         * The number of streaming replicas.
         *
         * @return the number
         */
        int value();
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
            .create(LocalClusterExtension.class);

    /** Created by JUnit. */
    public LocalClusterExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        int replicas = context.getRequiredTestClass().isAnnotationPresent(Replicas.class)
                ? context.getRequiredTestClass().getAnnotation(Replicas.class).value()
                : 2;
        context.getStore(NAMESPACE).put(LocalCluster.class, LocalCluster.start(replicas));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LocalCluster cluster = context.getStore(NAMESPACE).remove(LocalCluster.class, LocalCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == LocalCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return extension.getStore(NAMESPACE).get(LocalCluster.class, LocalCluster.class);
    }

    /**
     * A cluster configuration pointing at every node of a local cluster.
     *
     * @param cluster the running cluster
     * @return a builder with primary, replicas and credentials set, for tests to adjust
     */
    public static ClusterConfig.Builder configFor(LocalCluster cluster) {
        ClusterConfig.Builder builder = ClusterConfig.builder()
                .primary(NodeConfig.of(cluster.primary().name(), cluster.primary().r2dbcUrl()))
                .credentials(cluster.user(), cluster.password());
        for (LocalNode replica : cluster.replicas()) {
            builder.replica(NodeConfig.of(replica.name(), replica.r2dbcUrl()));
        }
        return builder;
    }
}
