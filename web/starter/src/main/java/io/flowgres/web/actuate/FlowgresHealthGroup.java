package io.flowgres.web.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/**
 * Adds the {@code flowgres} health group ({@code /actuator/health/flowgres}): the cluster's
 * {@code flowgresCluster} indicator and one contributor per node ({@code flowgresNodes}), shown as the
 * primary health group shows its own ({@code management.endpoint.health.show-details} and friends).
 * Only when the application defines no group of that name (its own
 * {@code management.endpoint.health.group.flowgres.*} wins), and without a membership to validate, so
 * turning a Flowgres indicator off never stops start-up. Readiness is the application's choice: include
 * {@code flowgresCluster} (not {@code flowgresNodes}) in it.
 */
public final class FlowgresHealthGroup implements HealthEndpointGroupsPostProcessor {

    /** The group's name. */
    public static final String NAME = "flowgres";
    private static final Set<String> MEMBERS = Set.of("flowgresCluster", "flowgresNodes");

    /** Creates the post-processor. */
    public FlowgresHealthGroup() {
    }

    @Override
    public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
        if (groups.get(NAME) != null) {
            return groups;
        }
        Map<String, HealthEndpointGroup> all = new LinkedHashMap<>();
        for (String name : groups.getNames()) {
            all.put(name, groups.get(name));
        }
        all.put(NAME, new Group(groups.getPrimary()));
        return HealthEndpointGroups.of(groups.getPrimary(), all);
    }

    /** The group: Flowgres's contributors, shown like the primary group. */
    private record Group(HealthEndpointGroup primary) implements HealthEndpointGroup {

        /** A member, or a contributor inside one ({@code flowgresNodes/replica-1}). */
        @Override
        public boolean isMember(String name) {
            int slash = name.indexOf('/');
            return MEMBERS.contains(slash < 0 ? name : name.substring(0, slash));
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return primary.showComponents(securityContext);
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return primary.showDetails(securityContext);
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return primary.getStatusAggregator();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return primary.getHttpCodeStatusMapper();
        }

        @Override
        public @Nullable AdditionalHealthEndpointPath getAdditionalPath() {
            return null;
        }
    }
}
