package io.flowgres.web.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Starts the embedded local cluster as soon as the application's environment is known, on a thread of
 * its own, so that initdb, the replicas' base backups and the servers' start run while Spring parses the
 * configuration and builds the context (issue #16: start-up; 0.8-1.6 s of the reference service's
 * start on two cores). The auto-configuration's {@code LocalCluster} bean then takes this cluster instead of
 * starting one. It starts one only when the auto-configuration would ({@code flowgres.enabled} not
 * false, {@code flowgres.embedded.enabled=true}, no {@code flowgres.primary.url}, {@code flowgres-test}
 * on the classpath). A cluster the context does not take (an initializer set a primary URL, the
 * application defines its own {@code LocalCluster}) is stopped once that is known: when the context is
 * prepared, started, closed, or fails to start.
 *
 * <p>Registered in {@code META-INF/spring.factories}, so it runs under {@code SpringApplication} only:
 * in an {@code ApplicationContextRunner} test the bean starts the cluster itself, as before.
 */
public final class EmbeddedClusterLauncher implements ApplicationListener<SpringApplicationEvent> {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedClusterLauncher.class);
    private static final String LOCAL_CLUSTER = "io.flowgres.local.LocalCluster";

    /** The cluster being started for this application; typed loosely, flowgres-test may be absent. */
    private @Nullable Object started;

    /** Created by Spring Boot from {@code META-INF/spring.factories}, once per {@code SpringApplication}. */
    public EmbeddedClusterLauncher() {
    }

    @Override
    public void onApplicationEvent(SpringApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            started = wanted(prepared.getEnvironment()) ? begin(prepared.getEnvironment()) : null;
        } else if (started == null) {
            // Nothing begun: EmbeddedClusterStart (and flowgres-test, which may be absent) is never touched.
            return;
        } else if (event instanceof ApplicationPreparedEvent prepared) {
            handOver((EmbeddedClusterStart) started, prepared.getApplicationContext());
        } else if (event instanceof ApplicationStartedEvent || event instanceof ApplicationFailedEvent) {
            // The context is built (or gave up): a cluster not claimed by now never will be.
            ((EmbeddedClusterStart) started).stopUnlessClaimed();
            started = null;
        }
    }

    private static boolean wanted(Environment environment) {
        return environment.getProperty("flowgres.enabled", Boolean.class, true)
                && OnEmbeddedClusterCondition.outcome(environment).isMatch()
                && ClassUtils.isPresent(LOCAL_CLUSTER, EmbeddedClusterLauncher.class.getClassLoader());
    }

    private static @Nullable Object begin(Environment environment) {
        EmbeddedClusterStart.Settings settings;
        try {
            EmbeddedProperties embedded = Binder.get(environment)
                    .bind("flowgres.embedded", EmbeddedProperties.class)
                    .orElseGet(EmbeddedProperties::new);
            settings = EmbeddedClusterStart.Settings.of(embedded);
        } catch (RuntimeException e) {
            return null; // the bean reports the bad setting, naming it, as without this launcher
        }
        if (settings.replicas() < 0) {
            return null;
        }
        log.debug("Starting the embedded PostgreSQL cluster while the context is built");
        return EmbeddedClusterStart.begin(settings);
    }

    private static void handOver(EmbeddedClusterStart start, ConfigurableApplicationContext context) {
        // Initializers ran since the environment was prepared (a test's dynamic properties among them).
        if (!wanted(context.getEnvironment())) {
            start.stopUnlessClaimed();
        }
        context.getBeanFactory().registerSingleton(EmbeddedClusterStart.BEAN_NAME, start);
        context.addApplicationListener(
                GenericApplicationListener.forEventType(ContextClosedEvent.class, closed -> start.stopUnlessClaimed()));
    }
}
