package io.flowgres.test;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.ContainerCluster;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.PostgresCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link FlowgresCluster}: starts the cluster before the class on the
 * selected {@link ClusterBackend} ({@code auto}: containers when Docker answers, else this machine's
 * binaries), injects it ({@link PostgresCluster}, or the backend's own type) and its configuration,
 * and stops it after the class.
 */
public final class FlowgresClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
            .create(FlowgresClusterExtension.class);

    /** Created by JUnit. */
    public FlowgresClusterExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        PostgresCluster cluster = classContext(context).getStore(NAMESPACE).remove(PostgresCluster.class,
                PostgresCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == PostgresCluster.class || type == LocalCluster.class || type == ContainerCluster.class
                || type == ClusterConfig.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        PostgresCluster cluster = cluster(extension);
        Class<?> type = parameter.getParameter().getType();
        if (type == ClusterConfig.class) {
            return cluster.clusterConfig().build();
        }
        if (!type.isInstance(cluster)) {
            throw new ParameterResolutionException(type.getSimpleName() + " needs the "
                    + (type == LocalCluster.class ? "local" : "testcontainers") + " backend, but this run uses "
                    + (cluster instanceof LocalCluster ? "local" : "testcontainers") + " (" + ClusterBackend.PROPERTY
                    + " / " + ClusterBackend.ENVIRONMENT_VARIABLE + "); declare PostgresCluster to run on both");
        }
        return cluster;
    }

    /**
     * The class's cluster, started on first use: before the class, or earlier when JUnit constructs a
     * {@code PER_CLASS} test instance (which happens before {@code beforeAll} callbacks).
     */
    private static PostgresCluster cluster(ExtensionContext context) {
        ExtensionContext owner = classContext(context);
        return owner.getStore(NAMESPACE).computeIfAbsent(PostgresCluster.class, key -> start(replicas(owner)),
                PostgresCluster.class);
    }

    /** Starts the cluster on the selected backend: containers when chosen (or Docker answers), else local. */
    private static PostgresCluster start(int replicas) {
        return ClusterBackend.selected() == ClusterBackend.TESTCONTAINERS
                ? ContainerCluster.start(replicas)
                : LocalCluster.start(replicas);
    }

    /** The context of the test class: the given one, or the class context above a test method's. */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext owner = context;
        while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
            owner = owner.getParent().get();
        }
        return owner;
    }

    private static int replicas(ExtensionContext owner) {
        FlowgresCluster settings = owner.getRequiredTestClass().getAnnotation(FlowgresCluster.class);
        int replicas = settings == null ? 2 : settings.replicas();
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be >= 0, was " + replicas);
        }
        return replicas;
    }
}
