package io.flowgres.web.actuate;

import io.flowgres.Flowgres;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.health.HealthMonitor;
import io.flowgres.web.autoconfigure.ConditionalOnFlowgresEnabled;
import io.flowgres.web.autoconfigure.FlowgresOperationsAutoConfiguration;
import io.flowgres.web.autoconfigure.QueryCacheAutoConfiguration;
import io.flowgres.web.cache.CacheAdmin;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Flowgres in Actuator: the {@code flowgres} endpoint (when exposed) and the per-node health
 * contributors ({@code flowgresNodes}), which {@link FlowgresHealthGroup} puts in the {@code flowgres}
 * health group with the cluster's {@code flowgresCluster} indicator.
 */
@AutoConfiguration(after = {FlowgresOperationsAutoConfiguration.class, QueryCacheAutoConfiguration.class})
@ConditionalOnFlowgresEnabled
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(Flowgres.class)
public class FlowgresActuatorAutoConfiguration {

    /** Creates the auto-configuration. */
    public FlowgresActuatorAutoConfiguration() {
    }

    /**
     * The {@code flowgres} endpoint.
     *
     * @param flowgres the facade
     * @param caches the caches of this instance, if any
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    public FlowgresEndpoint flowgresEndpoint(Flowgres flowgres, ObjectProvider<CacheAdmin> caches) {
        return new FlowgresEndpoint(flowgres, caches.orderedStream().toList());
    }

    /** The per-node health contributors, with Actuator's health support. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(CompositeReactiveHealthContributor.class)
    @ConditionalOnBean(HealthMonitor.class)
    @ConditionalOnEnabledHealthIndicator("flowgres")
    static class NodeHealthConfiguration {

        /**
         * One contributor per configured node, named {@code flowgresNodes} in Actuator.
         *
         * @param monitor the health monitor
         * @param flowgres the facade, for the nodes' names
         * @return the composite contributor
         */
        @Bean
        @ConditionalOnMissingBean(name = "flowgresNodesHealthContributor")
        CompositeReactiveHealthContributor flowgresNodesHealthContributor(HealthMonitor monitor, Flowgres flowgres) {
            return NodeHealthContributors.of(monitor, flowgres.config().nodes().stream().map(NodeConfig::name)
                    .toList());
        }

        /**
         * The {@code flowgres} health group, unless the application defines one.
         *
         * @return the groups' post-processor
         */
        @Bean
        @ConditionalOnMissingBean
        FlowgresHealthGroup flowgresHealthGroup() {
            return new FlowgresHealthGroup();
        }
    }
}
