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
        FlowgresCluster settings = context.getRequiredTestClass().getAnnotation(FlowgresCluster.class);
        int replicas = settings == null ? 2 : settings.replicas();
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be >= 0, was " + replicas);
        }
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
        Class<?> type = parameter.getParameter().getType();
        return type == LocalCluster.class || type == ClusterConfig.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        LocalCluster cluster = extension.getStore(NAMESPACE).get(LocalCluster.class, LocalCluster.class);
        if (cluster == null) {
            throw new IllegalStateException("no cluster: the extension starts it before the class, so "
                    + "parameters are resolvable in constructors, @BeforeAll and tests only");
        }
        return parameter.getParameter().getType() == ClusterConfig.class ? cluster.clusterConfig().build() : cluster;
    }
}
