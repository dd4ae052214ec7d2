package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.health.HealthMonitor;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Starts the auto-configuration with bad {@code flowgres.*} properties: start-up fails, the message
 * names the property, and the password never appears. No database is needed (or reached): the
 * configuration is rejected before anything connects.
 */
final class BadConfigurationTest {

    private static final String PASSWORD = "hunter2-secret";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FlowgresAutoConfiguration.class,
                    FlowgresOperationsAutoConfiguration.class))
            .withPropertyValues("flowgres.primary.url=r2dbc:postgresql://127.0.0.1:1/app", "flowgres.username=app",
                    "flowgres.password=" + PASSWORD);

    @Test
    void badUrlFailsNamingThePrimary() {
        expectFailure("flowgres.primary: primary url must start with r2dbc:postgresql://",
                "flowgres.primary.url=r2dbc:mysql://app:" + PASSWORD + "@db-1/app");
    }

    @Test
    void minAbovePoolMaxFailsNamingThePool() {
        expectFailure("flowgres.pool: initialSize must be <= maxSize, was initialSize=10, maxSize=2",
                "flowgres.pool.initial-size=10", "flowgres.pool.max-size=2");
    }

    @Test
    void badPerNodeOverrideFailsNamingTheReplica() {
        expectFailure("flowgres.replicas[0]: maxSize must be between 1 and 1000, was 0",
                "flowgres.replicas[0].url=r2dbc:postgresql://127.0.0.1:2/app", "flowgres.replicas[0].pool.max-size=0");
    }

    @Test
    void negativeTimeoutsFailNamingTheProperty() {
        expectFailure("flowgres.query-timeout: queryTimeout must be positive, was PT-5S", "flowgres.query-timeout=-5s");
        expectFailure("flowgres.health: checkTimeout must be positive, was PT-1S", "flowgres.health.check-timeout=-1s");
        expectFailure("flowgres.slow-query.threshold: threshold must be positive, was PT0S",
                "flowgres.slow-query.threshold=0ms");
        expectFailure("flowgres.slow-query.log-interval: logInterval must not be negative, was PT-1S",
                "flowgres.slow-query.log-interval=-1s");
        expectFailure("flowgres.shutdown.timeout: must not be negative, was PT-1S", "flowgres.shutdown.timeout=-1s");
    }

    @Test
    void aSnapshotDirectoryThatIsNoPathFailsNamingItBeforeAnyClusterStarts() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FlowgresAutoConfiguration.class))
                .withPropertyValues("flowgres.embedded.enabled=true", "flowgres.embedded.snapshot.directory=bad\u0000path")
                .run(context -> {
                    assertThat(context).hasFailed();
                    List<String> messages = new ArrayList<>();
                    for (Throwable t = context.getStartupFailure(); t != null && messages.size() < 20; t = t.getCause()) {
                        messages.add(String.valueOf(t.getMessage()));
                    }
                    assertThat(messages).anySatisfy(message -> assertThat(message)
                            .contains("flowgres.embedded.snapshot.directory: not a path"));
                });
    }

    @Test
    void unknownPropertyFailsNamingIt() {
        expectFailure("flowgres.pool.max-sise", "flowgres.pool.max-sise=3");
        expectFailure("flowgres.helth.cache-ttl", "flowgres.helth.cache-ttl=3s");
    }

    @Test
    void perNodeOverridesAndPresetsApply() {
        runner.withPropertyValues("flowgres.pool.preset=staging",
                        "flowgres.replicas[0].url=r2dbc:postgresql://127.0.0.1:2/app",
                        "flowgres.replicas[0].pool.max-size=8", "flowgres.health.cache-ttl=3s",
                        "flowgres.health.refresh-interval=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Flowgres flowgres = context.getBean(Flowgres.class);
                    ClusterConfig config = flowgres.config();
                    assertThat(config.poolFor(config.primary()).maxSize()).isEqualTo(PoolPolicy.staging().maxSize());
                    assertThat(config.poolFor(config.replicas().get(0)).maxSize()).isEqualTo(8);
                    assertThat(config.poolFor(config.replicas().get(0)).initialSize())
                            .isEqualTo(PoolPolicy.staging().initialSize());
                    // The nodes' pools were built from them.
                    assertThat(flowgres.topology().nodes()).extracting(node -> node.pool().max())
                            .containsExactly(PoolPolicy.staging().maxSize(), 8);
                    assertThat(context.getBean(HealthMonitor.class).policy().cacheTtl().toSeconds()).isEqualTo(3);
                });
    }

    private void expectFailure(String expected, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            List<String> messages = new ArrayList<>();
            for (Throwable t = context.getStartupFailure(); t != null && messages.size() < 20; t = t.getCause()) {
                messages.add(String.valueOf(t.getMessage()));
            }
            assertThat(messages).anySatisfy(message -> assertThat(message).contains(expected));
            assertThat(messages).noneSatisfy(message -> assertThat(message).contains(PASSWORD));
        });
    }
}
