package io.flowgres.web.autoconfigure;

import java.util.random.RandomGenerator;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.routing.Balancer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: a {@link Flowgres} built from {@code flowgres.*} properties,
 * recording into the application's {@link MeterRegistry}, closed with the context. Every bean backs
 * off when the application defines its own, and all of Flowgres when {@code flowgres.enabled=false}.
 * With no primary URL, {@code flowgres.embedded.enabled=true} and {@code flowgres-test} on the
 * classpath, it first starts a local cluster and points Flowgres at it.
 */
@AutoConfiguration
@ConditionalOnFlowgresEnabled
@EnableConfigurationProperties(FlowgresProperties.class)
public class FlowgresAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(FlowgresAutoConfiguration.class);

    /** Creates the auto-configuration. */
    public FlowgresAutoConfiguration() {
    }

    /**
     * The validated cluster configuration from {@code flowgres.primary}, {@code flowgres.replicas} and
     * the policies' properties.
     *
     * @param properties the Flowgres properties
     * @return the configuration
     */
    @Bean
    @ConditionalOnMissingBean
    public ClusterConfig flowgresClusterConfig(FlowgresProperties properties) {
        return ClusterConfigFactory.from(properties, null);
    }

    /**
     * The Flowgres facade.
     *
     * @param config the cluster configuration
     * @param meterRegistry the application's registry, when there is one
     * @param observationRegistry the application's observation registry, when there is one: each query
     *        attempt is then an observation (a span, with tracing on)
     * @param balancer the application's balancer, when it defines one
     * @param properties the Flowgres properties, for the slow-query log and the balancer's name
     * @return the facade, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Flowgres flowgres(ClusterConfig config, ObjectProvider<MeterRegistry> meterRegistry,
            ObjectProvider<ObservationRegistry> observationRegistry, ObjectProvider<Balancer> balancer,
            FlowgresProperties properties) {
        SlowQueryLog.Builder slowQueries = SlowQueryLog.builder();
        ClusterConfigFactory.property("flowgres.slow-query.threshold",
                () -> slowQueries.threshold(properties.getSlowQuery().getThreshold()));
        ClusterConfigFactory.property("flowgres.slow-query.log-interval",
                () -> slowQueries.logInterval(properties.getSlowQuery().getLogInterval()));
        Flowgres.Builder builder = Flowgres.builder(config).slowQueryLog(slowQueries.build());
        meterRegistry.ifAvailable(builder::meterRegistry);
        observationRegistry.ifAvailable(builder::observationRegistry);
        builder.balancer(balancer.getIfAvailable(() -> ClusterConfigFactory.property("flowgres.routing.balancer",
                () -> Balancer.named(properties.getRouting().getBalancer(), RandomGenerator.getDefault()))));
        return builder.build();
    }

    /**
     * The embedded cluster: with {@code flowgres-test} on the classpath, no primary URL and
     * {@code flowgres.embedded.enabled=true}, a local primary and {@code flowgres.embedded.replicas}
     * streaming replicas, for development and the reference service. Registered before the outer
     * class's beans, so its cluster configuration is the one used.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.flowgres.local.LocalCluster")
    @Conditional(OnEmbeddedClusterCondition.class)
    static class EmbeddedClusterConfiguration {

        /**
         * The embedded local cluster: the one {@link EmbeddedClusterLauncher} began starting before the
         * context existed, when there is one, else started here.
         *
         * @param properties the Flowgres properties
         * @param early the start under way since the environment was prepared, if any
         * @return the running cluster, stopped when the context closes
         */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        LocalCluster flowgresLocalCluster(FlowgresProperties properties, ObjectProvider<EmbeddedClusterStart> early) {
            int replicas = properties.getEmbedded().getReplicas();
            if (replicas < 0) {
                throw new InvalidFlowgresPropertyException("flowgres.embedded.replicas",
                        "must be >= 0, was " + replicas, new IllegalArgumentException());
            }
            EmbeddedClusterStart.Settings wanted;
            try {
                wanted = EmbeddedClusterStart.Settings.of(properties.getEmbedded());
            } catch (java.nio.file.InvalidPathException e) {
                throw new InvalidFlowgresPropertyException("flowgres.embedded.snapshot.directory",
                        "not a path: " + e.getMessage(), e);
            }
            EmbeddedClusterStart start = early.getIfAvailable();
            boolean takeover = start != null && start.settings().equals(wanted)
                    && start.state() == EmbeddedClusterStart.State.OPEN;
            // Either way the cluster is started by an EmbeddedClusterStart, which stops it at exit after the context.
            LocalCluster cluster = takeover ? start.claim() : EmbeddedClusterStart.begin(wanted).claim();
            log.info("Started embedded PostgreSQL cluster{}{}: primary on port {}, {} replica(s)",
                    takeover ? " (begun while the context was built)" : "",
                    cluster.startedFromSnapshot() ? " from its data snapshot" : "", cluster.primary().port(),
                    cluster.replicas().size());
            return cluster;
        }

        /**
         * The cluster configuration of the embedded cluster, with the policies' properties applied.
         *
         * @param properties the Flowgres properties
         * @param cluster the embedded cluster
         * @return the configuration
         */
        @Bean
        @ConditionalOnMissingBean
        ClusterConfig flowgresEmbeddedClusterConfig(FlowgresProperties properties, LocalCluster cluster) {
            return ClusterConfigFactory.from(properties, cluster.clusterConfig());
        }
    }
}
