package io.flowgres.web.actuate;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Defines the {@code flowgres} health group ({@code /actuator/health/flowgres}): the cluster's
 * {@code flowgresCluster} indicator and one contributor per node ({@code flowgresNodes}). A default only:
 * added last, so any {@code management.endpoint.health.group.flowgres.*} the application sets wins,
 * and not at all with {@code flowgres.enabled=false} or without Actuator's health support. Readiness
 * is the application's choice; include {@code flowgresCluster} (not {@code flowgresNodes}) in it.
 */
public class FlowgresHealthGroup implements EnvironmentPostProcessor {

    /** The property that lists the group's members. */
    public static final String INCLUDE = "management.endpoint.health.group.flowgres.include";

    /** Created by Spring Boot from {@code META-INF/spring.factories}. */
    public FlowgresHealthGroup() {
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        boolean enabled = environment.getProperty("flowgres.enabled", Boolean.class, true);
        boolean health = ClassUtils.isPresent("org.springframework.boot.health.contributor.ReactiveHealthIndicator",
                application.getClassLoader());
        if (enabled && health) {
            environment.getPropertySources().addLast(new MapPropertySource("flowgresHealthGroup",
                    Map.of(INCLUDE, "flowgresCluster,flowgresNodes")));
        }
    }
}
