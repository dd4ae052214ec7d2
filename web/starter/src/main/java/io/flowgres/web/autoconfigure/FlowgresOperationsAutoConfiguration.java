package io.flowgres.web.autoconfigure;

import io.flowgres.Flowgres;
import io.flowgres.health.HealthMonitor;
import io.flowgres.health.HealthPolicy;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Operations around the {@link Flowgres} bean: the {@link HealthMonitor} (background checks,
 * cached quick reads) from {@code flowgres.health.*}, the {@code flowgresCluster} health indicator
 * for Actuator (put it in the readiness group; liveness must not include it), and the graceful-shutdown
 * step that lets running database work finish before the pools close.
 */
@ConditionalOnFlowgresEnabled
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
public class FlowgresOperationsAutoConfiguration {

    /** Creates the auto-configuration. */
    public FlowgresOperationsAutoConfiguration() {
    }

    /**
     * The health monitor, started at once and closed with the context.
     *
     * @param flowgres the facade
     * @param properties the Flowgres properties
     * @return the running monitor
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public HealthMonitor flowgresHealthMonitor(Flowgres flowgres, FlowgresProperties properties) {
        FlowgresProperties.Health health = properties.getHealth();
        HealthPolicy policy = ClusterConfigFactory.property("flowgres.health", () -> HealthPolicy.builder()
                .cacheTtl(health.getCacheTtl())
                .refreshInterval(health.getRefreshInterval())
                .checkTimeout(health.getCheckTimeout())
                .maxReplicaLagBytes(health.getMaxReplicaLag().toBytes())
                .build());
        return HealthMonitor.create(flowgres, policy).start();
    }

    /**
     * Waits for running database operations after the web server stopped, before the pools close.
     *
     * @param flowgres the facade
     * @param properties the Flowgres properties
     * @return the shutdown step
     */
    @Bean
    @ConditionalOnMissingBean
    public FlowgresShutdown flowgresShutdown(Flowgres flowgres, FlowgresProperties properties) {
        return new FlowgresShutdown(flowgres, ClusterConfigFactory.property("flowgres.shutdown.timeout",
                () -> FlowgresShutdown.checkTimeout(properties.getShutdown().getTimeout())));
    }

    /** The Actuator side, when Actuator's health support is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ReactiveHealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("flowgres")
    static class HealthIndicatorConfiguration {

        /**
         * The {@code flowgresCluster} health indicator: follows the primary, from the cached report. It is
         * the one for the readiness group; the {@code flowgres} group holds it and the nodes' contributors.
         *
         * @param monitor the health monitor
         * @return the indicator
         */
        @Bean
        @ConditionalOnMissingBean(name = "flowgresClusterHealthIndicator")
        FlowgresHealthIndicator flowgresClusterHealthIndicator(HealthMonitor monitor) {
            return new FlowgresHealthIndicator(monitor);
        }
    }
}
