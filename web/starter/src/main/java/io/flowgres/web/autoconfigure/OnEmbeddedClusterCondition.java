package io.flowgres.web.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when the embedded local cluster is enabled and no external primary is configured. */
final class OnEmbeddedClusterCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return outcome(context.getEnvironment());
    }

    /**
     * The condition's verdict on an environment; {@link EmbeddedClusterLauncher} asks it too, before
     * the context exists.
     */
    static ConditionOutcome outcome(Environment environment) {
        String primary = environment.getProperty("flowgres.primary.url");
        boolean enabled = environment.getProperty("flowgres.embedded.enabled", Boolean.class, false);
        if (primary != null && !primary.isBlank()) {
            return ConditionOutcome.noMatch("flowgres.primary.url is set");
        }
        return enabled ? ConditionOutcome.match("flowgres.embedded.enabled=true and no primary URL")
                : ConditionOutcome.noMatch("flowgres.embedded.enabled is not true");
    }
}
