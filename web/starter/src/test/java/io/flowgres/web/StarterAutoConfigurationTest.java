package io.flowgres.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.health.HealthMonitor;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.web.actuate.FlowgresActuatorAutoConfiguration;
import io.flowgres.web.actuate.FlowgresEndpoint;
import io.flowgres.web.admission.AdmissionFilter;
import io.flowgres.web.autoconfigure.AdmissionAutoConfiguration;
import io.flowgres.web.autoconfigure.FlowgresAutoConfiguration;
import io.flowgres.web.autoconfigure.FlowgresOperationsAutoConfiguration;
import io.flowgres.web.autoconfigure.FlowgresShutdown;
import io.flowgres.web.autoconfigure.FlowgresProperties;
import io.flowgres.web.autoconfigure.QueryCacheAutoConfiguration;
import io.flowgres.web.cache.CacheAdmin;
import io.flowgres.web.r2dbc.FlowgresR2dbcAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.util.ClassUtils;

/**
 * The starter as an application meets it: which beans it defines from a primary URL alone, that
 * {@code flowgres.enabled=false} defines none, and that each bean the application defines itself
 * replaces the starter's. Start-up reaches no database: pools connect lazily, and the probes' failures
 * against the unused port only mark the node down.
 */
final class StarterAutoConfigurationTest {

    private static final String PRIMARY = "flowgres.primary.url=r2dbc:postgresql://127.0.0.1:1/app";

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FlowgresAutoConfiguration.class,
                    FlowgresOperationsAutoConfiguration.class, QueryCacheAutoConfiguration.class,
                    FlowgresR2dbcAutoConfiguration.class, AdmissionAutoConfiguration.class,
                    FlowgresActuatorAutoConfiguration.class))
            .withPropertyValues(PRIMARY, "flowgres.username=app", "flowgres.password=secret",
                    "management.endpoints.web.exposure.include=flowgres");

    @Test
    void aPrimaryUrlAloneGivesTheFacadeItsOperationsAndItsSpringSide() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(ClusterConfig.class).hasSingleBean(Flowgres.class)
                    .hasSingleBean(HealthMonitor.class).hasSingleBean(FlowgresShutdown.class)
                    .hasSingleBean(FlowgresEndpoint.class).hasSingleBean(ConnectionFactory.class)
                    .hasSingleBean(DatabaseClient.class).hasSingleBean(AdmissionFilter.class)
                    .hasBean("flowgresClusterHealthIndicator").hasBean("flowgresNodesHealthContributor");
            assertThat(context.getBean(ClusterConfig.class).primary().url()).isEqualTo("r2dbc:postgresql://127.0.0.1:1/app");
            assertThat(context.getBean("flowgresClusterHealthIndicator")).isInstanceOf(ReactiveHealthIndicator.class);
            assertThat(context.getBean("flowgresNodesHealthContributor", CompositeReactiveHealthContributor.class)
                    .getContributor("primary")).isNotNull();
            // The cache is opt-in: its bean exists (so repositories can use it) but caches no query.
            assertThat(context.getBean(QueryCache.class).queries()).isEmpty();
        });
    }

    @Test
    void eachAdmissionLanesHighestLimitIsItsConnectionsUnlessSet() {
        // Below 64, a lane starts at its highest limit, which the current limit then shows.
        ReactiveWebApplicationContextRunner cluster = runner.withPropertyValues("flowgres.admission.min-limit=2",
                "flowgres.pool.initial-size=1", "flowgres.pool.max-size=3",
                "flowgres.replicas[0].url=r2dbc:postgresql://127.0.0.1:2/app", "flowgres.replicas[0].pool.max-size=4",
                "flowgres.replicas[1].url=r2dbc:postgresql://127.0.0.1:3/app", "flowgres.replicas[1].pool.max-size=5");
        cluster.run(context -> {
            AdmissionFilter admission = context.getBean(AdmissionFilter.class);
            assertThat(admission.readLimit()).as("the replicas' connections").isEqualTo(9);
            assertThat(admission.writeLimit()).as("the primary's connections").isEqualTo(3);
        });
        cluster.withPropertyValues("flowgres.admission.max-limit=7").run(context -> {
            assertThat(context.getBean(AdmissionFilter.class).readLimit()).isEqualTo(7);
            assertThat(context.getBean(AdmissionFilter.class).writeLimit()).isEqualTo(7);
        });
        // Never below the lowest limit; without replicas, reads are the primary's.
        runner.withPropertyValues("flowgres.admission.min-limit=6", "flowgres.pool.initial-size=1",
                "flowgres.pool.max-size=3").run(context -> {
                    assertThat(context.getBean(AdmissionFilter.class).readLimit()).isEqualTo(6);
                    assertThat(context.getBean(AdmissionFilter.class).writeLimit()).isEqualTo(6);
                });
    }

    @Test
    void theSlowQueryLogTakesItsThresholdAndLogIntervalFromTheProperties() {
        runner.run(context -> {
            SlowQueryLog slow = context.getBean(Flowgres.class).slowQueries();
            assertThat(slow.threshold()).isEqualTo(SlowQueryLog.DEFAULT_THRESHOLD);
            assertThat(slow.logInterval()).isEqualTo(SlowQueryLog.DEFAULT_LOG_INTERVAL);
        });
        runner.withPropertyValues("flowgres.slow-query.threshold=50ms", "flowgres.slow-query.log-interval=0s")
                .run(context -> {
                    SlowQueryLog slow = context.getBean(Flowgres.class).slowQueries();
                    assertThat(slow.threshold()).isEqualTo(Duration.ofMillis(50));
                    assertThat(slow.logInterval()).isZero();
                });
    }

    @Test
    void flowgresEnabledFalseDefinesNothing() {
        runner.withPropertyValues("flowgres.enabled=false", "flowgres.cache.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ClusterConfig.class).doesNotHaveBean(Flowgres.class)
                    .doesNotHaveBean(HealthMonitor.class).doesNotHaveBean(FlowgresEndpoint.class)
                    .doesNotHaveBean(ConnectionFactory.class).doesNotHaveBean(AdmissionFilter.class)
                    .doesNotHaveBean(QueryCache.class).doesNotHaveBean("flowgresClusterHealthIndicator")
                    .doesNotHaveBean("flowgresNodesHealthContributor");
        });
    }

    @Test
    void theApplicationsClusterConfigReplacesTheProperties() {
        ClusterConfig own = ClusterConfig.builder().primary("r2dbc:postgresql://127.0.0.1:2/own")
                .credentials("own", "secret").build();
        runner.withBean(ClusterConfig.class, () -> own).run(context -> {
            assertThat(context).hasSingleBean(ClusterConfig.class);
            assertThat(context.getBean(Flowgres.class).config()).isSameAs(own);
        });
    }

    @Test
    void theApplicationsFlowgresAndMeterRegistryAreUsed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(MeterRegistry.class, () -> registry).run(context -> {
            assertThat(context.getBean(Flowgres.class).meterRegistry()).isSameAs(registry);
            assertThat(registry.find("r2dbc.pool.acquired").gauge()).as("pool meters in the application's registry")
                    .isNotNull();
        });
        try (Flowgres own = Flowgres.builder(ClusterConfig.builder().primary("r2dbc:postgresql://127.0.0.1:3/own")
                .credentials("own", "secret").build()).probing(false).build()) {
            runner.withBean(Flowgres.class, () -> own).run(context -> {
                assertThat(context).hasSingleBean(Flowgres.class);
                assertThat(context.getBean(Flowgres.class)).isSameAs(own);
                assertThat(context.getBean(ConnectionFactory.class)).isSameAs(own.connectionFactory());
            });
        }
    }

    @Test
    void theApplicationsCacheReplacesTheStartersWhenCachingIsOn() {
        runner.withPropertyValues("flowgres.cache.enabled=true", "flowgres.cache.notify=false",
                        "flowgres.cache.queries[orders.byId].enabled=true")
                .run(context -> {
                    assertThat(context).hasSingleBean(QueryCache.class).hasSingleBean(CacheAdmin.class);
                    assertThat(context.getBean(QueryCache.class).queries()).containsExactly("orders.byId");
                    QueryCache starters = context.getBean(QueryCache.class);
                    runner.withPropertyValues("flowgres.cache.enabled=true", "flowgres.cache.notify=false")
                            .withBean("ownCache", QueryCache.class, () -> starters).run(own -> {
                                assertThat(own).hasSingleBean(QueryCache.class).hasBean("ownCache")
                                        .doesNotHaveBean("flowgresQueryCache");
                            });
                });
    }

    @Test
    void cacheFillsMayReadOnReplicasUnlessTurnedOff() {
        runner.run(context -> assertThat(context.getBean(FlowgresProperties.class).getCache().isFillOnReplicas())
                .isTrue());
        runner.withPropertyValues("flowgres.cache.fill-on-replicas=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(FlowgresProperties.class).getCache().isFillOnReplicas()).isFalse();
        });
    }

    @Test
    void nothingOfTheReferenceServiceIsOnTheStartersClassPath() {
        ClassLoader loader = getClass().getClassLoader();
        assertThat(ClassUtils.isPresent("io.flowgres.reference.FlowgresApplication", loader)).isFalse();
        assertThat(loader.getResource("application.properties")).isNull();
        assertThat(loader.getResource("db/reference")).isNull();
        assertThat(loader.getResource("db/migration")).isNull();
        runner.run(context -> assertThat(context.getBeanDefinitionNames())
                .noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("pitch")));
    }

    @Test
    void theEndpointIsDefinedOnlyWhenExposed() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=health")
                .run(context -> assertThat(context).doesNotHaveBean(FlowgresEndpoint.class)
                        .hasSingleBean(Flowgres.class));
    }
}
