package io.flowgres.web.autoconfigure;

import java.util.random.RandomGenerator;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.routing.Balancer;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Spring Boot auto-configuration: a {@link Flowgres} built from {@code flowgres.*} properties,
 * recording into the application's {@link MeterRegistry}, closed with the context. With no primary
 * URL and {@code flowgres.embedded.enabled=true}, it first starts a {@link LocalCluster} and points
 * Flowgres at it.
 */
@AutoConfiguration
@EnableConfigurationProperties(FlowgresProperties.class)
public class FlowgresAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(FlowgresAutoConfiguration.class);

    /** Creates the auto-configuration. */
    public FlowgresAutoConfiguration() {
    }

    /**
     * Starts the embedded local cluster (primary and {@code flowgres.embedded.replicas} replicas).
     *
     * @param properties the Flowgres properties
     * @return the running cluster, stopped when the context closes
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(OnEmbeddedClusterCondition.class)
    public LocalCluster flowgresLocalCluster(FlowgresProperties properties) {
        int replicas = properties.getEmbedded().getReplicas();
        if (replicas < 0) {
            throw new InvalidFlowgresPropertyException("flowgres.embedded.replicas", "must be >= 0, was " + replicas,
                    new IllegalArgumentException());
        }
        LocalCluster cluster = LocalCluster.builder().replicas(replicas).start();
        log.info("Started embedded PostgreSQL cluster: primary on port {}, {} replica(s)", cluster.primary().port(),
                cluster.replicas().size());
        return cluster;
    }

    /**
     * The validated cluster configuration.
     *
     * @param properties the Flowgres properties
     * @param localCluster the embedded cluster, when one was started
     * @return the configuration
     */
    @Bean
    @ConditionalOnMissingBean
    public ClusterConfig flowgresClusterConfig(FlowgresProperties properties,
            ObjectProvider<LocalCluster> localCluster) {
        return ClusterConfigFactory.from(properties, localCluster.getIfAvailable());
    }

    /**
     * The Flowgres facade.
     *
     * @param config the cluster configuration
     * @param meterRegistry the application's registry, when there is one
     * @param properties the Flowgres properties, for the slow-query threshold
     * @return the facade, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Flowgres flowgres(ClusterConfig config, ObjectProvider<MeterRegistry> meterRegistry,
            FlowgresProperties properties) {
        Flowgres.Builder builder = Flowgres.builder(config).slowQueryLog(ClusterConfigFactory.property(
                "flowgres.slow-query.threshold",
                () -> SlowQueryLog.withThreshold(properties.getSlowQuery().getThreshold())));
        meterRegistry.ifAvailable(builder::meterRegistry);
        builder.balancer(ClusterConfigFactory.property("flowgres.routing.balancer",
                () -> Balancer.named(properties.getRouting().getBalancer(), RandomGenerator.getDefault())));
        return builder.build();
    }
}
