package io.flowgres.web.autoconfigure;

import java.util.Arrays;
import java.util.List;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.web.admission.AdmissionFilter;
import io.flowgres.web.admission.AdmissionHandler;
import io.flowgres.web.admission.AdmissionProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * The {@link AdmissionFilter} of a reactive web application, from {@code flowgres.admission.*}, and on
 * Reactor Netty its {@link AdmissionHandler} in each connection.
 */
@ConditionalOnFlowgresEnabled
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
public class AdmissionAutoConfiguration {

    /** Creates the configuration. */
    public AdmissionAutoConfiguration() {
    }

    /**
     * The filter, unless {@code flowgres.admission.enabled=false}. Without {@code max-limit}, each
     * lane's highest limit is the connections of the nodes that serve it, at least {@code min-limit}.
     *
     * @param flowgres the Flowgres properties, of which {@code flowgres.admission.*}
     * @param cluster the cluster, whose pools size each lane's highest limit
     * @param registry where its meters go, when the application has a registry
     * @return the filter
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "flowgres.admission.enabled", matchIfMissing = true)
    public AdmissionFilter flowgresAdmissionFilter(FlowgresProperties flowgres, ClusterConfig cluster,
            ObjectProvider<MeterRegistry> registry) {
        AdmissionProperties properties = flowgres.getAdmission();
        int min = properties.getMinLimit();
        Integer max = properties.getMaxLimit();
        try {
            return new AdmissionFilter(min, max != null ? max : Math.max(min, readConnections(cluster)),
                    max != null ? max : Math.max(min, cluster.poolFor(cluster.primary()).maxSize()),
                    properties.getPaths(), properties.getExcluded(), registry.getIfAvailable(SimpleMeterRegistry::new));
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.admission.min-limit", e.getMessage(), e);
        }
    }

    /**
     * The filter's lanes decided in each HTTP/1.1 connection's Netty pipeline ({@link AdmissionHandler}),
     * where a refusal costs a fraction of one through WebFlux. Not under a {@code spring.webflux.base-path}
     * (the filter's paths are the application's, without it) nor with HTTP/2, where the filter alone decides.
     */
    @ConditionalOnClass({ HttpServer.class, NettyServerCustomizer.class })
    @ConditionalOnBooleanProperty(name = "flowgres.admission.enabled", matchIfMissing = true)
    @Configuration(proxyBeanMethods = false)
    static class OnNetty {

        /**
         * Installs the handler in every new connection of the application's Netty server.
         *
         * @param filters the filter whose lanes it shares (none: the customizer changes nothing)
         * @param environment tells whether the application has a base path
         * @return the customizer
         */
        @Bean
        NettyServerCustomizer flowgresAdmissionOnNetty(ObjectProvider<AdmissionFilter> filters,
                Environment environment) {
            boolean basePath = !environment.getProperty("spring.webflux.base-path", "").isBlank();
            return server -> {
                AdmissionFilter filter = filters.getIfUnique();
                if (filter == null) {
                    return server;
                }
                boolean http11Only = Arrays.stream(server.configuration().protocols())
                        .allMatch(protocol -> protocol == HttpProtocol.HTTP11);
                return basePath || !http11Only ? server
                        : server.doOnChannelInit((observer, channel, remote) ->
                                AdmissionHandler.install(channel.pipeline(), filter));
            };
        }
    }

    /** The connections that serve reads: the replicas' pools, or the primary's when there are none. */
    static int readConnections(ClusterConfig cluster) {
        List<NodeConfig> replicas = cluster.replicas();
        if (replicas.isEmpty()) {
            return cluster.poolFor(cluster.primary()).maxSize();
        }
        return replicas.stream().mapToInt(replica -> cluster.poolFor(replica).maxSize()).sum();
    }
}
