package io.flowgres.web.autoconfigure;

import io.flowgres.web.admission.AdmissionFilter;
import io.flowgres.web.admission.AdmissionProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/** The {@link AdmissionFilter} of a reactive web application, from {@code flowgres.admission.*}. */
@ConditionalOnFlowgresEnabled
@AutoConfiguration(after = FlowgresAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
public class AdmissionAutoConfiguration {

    /** Creates the configuration. */
    public AdmissionAutoConfiguration() {
    }

    /**
     * The filter, unless {@code flowgres.admission.enabled=false}.
     *
     * @param flowgres the Flowgres properties, of which {@code flowgres.admission.*}
     * @param registry where its meters go, when the application has a registry
     * @return the filter
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "flowgres.admission.enabled", matchIfMissing = true)
    public AdmissionFilter flowgresAdmissionFilter(FlowgresProperties flowgres,
            ObjectProvider<MeterRegistry> registry) {
        AdmissionProperties properties = flowgres.getAdmission();
        try {
            return new AdmissionFilter(properties.getMinLimit(), properties.getMaxLimit(), properties.getPaths(),
                    properties.getExcluded(), registry.getIfAvailable(SimpleMeterRegistry::new));
        } catch (IllegalArgumentException e) {
            throw new InvalidFlowgresPropertyException("flowgres.admission.min-limit", e.getMessage(), e);
        }
    }
}
