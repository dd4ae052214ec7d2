package io.flowgres.test;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link FlowgresCluster}: starts the cluster before the class, injects
 * it and its configuration, and stops it after the class.
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
        LocalCluster cluster = classContext(context).getStore(NAMESPACE).remove(LocalCluster.class,
                LocalCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == LocalCluster.class || type == ClusterConfig.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        LocalCluster cluster = cluster(extension);
        return parameter.getParameter().getType() == ClusterConfig.class ? cluster.clusterConfig().build() : cluster;
    }

    /**
     * The class's cluster, started on first use: before the class, or earlier when JUnit constructs a
     * {@code PER_CLASS} test instance (which happens before {@code beforeAll} callbacks).
     */
    private static LocalCluster cluster(ExtensionContext context) {
        ExtensionContext owner = classContext(context);
        return owner.getStore(NAMESPACE).computeIfAbsent(LocalCluster.class,
                key -> LocalCluster.start(replicas(owner)), LocalCluster.class);
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
