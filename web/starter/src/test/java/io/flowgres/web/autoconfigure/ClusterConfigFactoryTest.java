package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.flowgres.cluster.BreakerPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.LagWithoutWriter;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RetryBudgetPolicy;
import io.flowgres.cluster.RetryPolicy;
import io.r2dbc.spi.ValidationDepth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

final class ClusterConfigFactoryTest {

    @Test
    void propertiesBecomeAValidatedClusterConfig() {
        FlowgresProperties properties = external();
        NodeProperties replica = new NodeProperties();
        replica.setUrl("r2dbc:postgresql://db-2:5432/app");
        replica.setWeight(2);
        properties.getReplicas().add(replica);
        properties.getPool().setPreset("staging");
        properties.getPool().setMaxSize(12);
        properties.setQueryTimeout(Duration.ofSeconds(5));

        ClusterConfig config = ClusterConfigFactory.from(properties, null);

        assertThat(config.nodes()).extracting(NodeConfig::name).containsExactly("primary", "replica-1");
        assertThat(config.replicas().get(0).weight()).isEqualTo(2.0);
        assertThat(config.username()).isEqualTo("app");
        assertThat(config.pool().initialSize()).isEqualTo(PoolPolicy.staging().initialSize());
        assertThat(config.pool().maxSize()).isEqualTo(12);
        assertThat(config.queryTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void hedgingIsOffUnlessSetAndABadDelayNamesTheRoutingProperties() {
        assertThat(ClusterConfigFactory.from(external(), null).routing().hedgeAfter()).isNull();

        FlowgresProperties properties = external();
        properties.getRouting().setHedgeAfter(Duration.ofMillis(40));
        assertThat(ClusterConfigFactory.from(properties, null).routing().hedgeAfter())
                .isEqualTo(Duration.ofMillis(40));

        properties.getRouting().setHedgeAfter(Duration.ofMinutes(2));
        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.routing: hedgeAfter must be <= 1m, was PT2M");
    }

    @Test
    void replicaLagWithoutAWriterGrowsUnlessSetToTheWritersLastPosition() {
        assertThat(ClusterConfigFactory.from(external(), null).routing().lagWithoutWriter())
                .isEqualTo(LagWithoutWriter.GROWS);
        assertThat(ClusterConfigFactory.from(bind("flowgres.routing.lag-without-writer=last-writer-position"), null)
                .routing().lagWithoutWriter()).isEqualTo(LagWithoutWriter.LAST_WRITER_POSITION);
    }

    @Test
    void badUrlNamesThePropertyAndHidesThePassword() {
        FlowgresProperties properties = external();
        properties.getPrimary().setUrl("r2dbc:mysql://app:hunter2@db-1/app");

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .isInstanceOf(InvalidFlowgresPropertyException.class)
                .hasMessage("flowgres.primary: primary url must start with r2dbc:postgresql://, was 'r2dbc:mysql://db-1/app'")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void badReplicaNamesItsIndex() {
        FlowgresProperties properties = external();
        NodeProperties replica = new NodeProperties();
        replica.setUrl("r2dbc:postgresql://db-2:5432/app");
        replica.setWeight(-1);
        properties.getReplicas().add(replica);

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.replicas[0]: replica-1 weight must be > 0 and <= 1000, was -1.0");
    }

    @Test
    void contradictoryPoolSettingsNameThePool() {
        FlowgresProperties properties = external();
        properties.getPool().setPreset("development");
        properties.getPool().setInitialSize(10);

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.pool: initialSize must be <= maxSize, was initialSize=10, maxSize=5");
    }

    @Test
    void negativeTimeoutNamesTheProperty() {
        FlowgresProperties properties = external();
        properties.setQueryTimeout(Duration.ofSeconds(-3));

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.query-timeout: queryTimeout must be positive, was PT-3S");
    }

    @Test
    void noDatabaseAtAllSaysWhatToSet() {
        assertThatThrownBy(() -> ClusterConfigFactory.from(new FlowgresProperties(), null))
                .hasMessage("flowgres.primary.url must be set, or flowgres.embedded.enabled=true to start a local "
                        + "cluster");
    }

    @Test
    void externalClusterNeedsAUser() {
        FlowgresProperties properties = new FlowgresProperties();
        properties.getPrimary().setUrl("r2dbc:postgresql://db-1:5432/app");

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.username must be set when flowgres.primary.url is set");
    }

    @Test
    void unsetPoliciesAndSettingsKeepTheCoresDefaults() {
        ClusterConfig config = ClusterConfigFactory.from(external(), null);
        ClusterConfig core = ClusterConfig.builder().primary("r2dbc:postgresql://db-1:5432/app").build();

        assertThat(config.readRetry()).isSameAs(core.readRetry()).isSameAs(RetryPolicy.reads());
        assertThat(config.writeRetry()).isSameAs(core.writeRetry()).isSameAs(RetryPolicy.writes());
        assertThat(config.transactionRetry()).isSameAs(core.transactionRetry()).isSameAs(RetryPolicy.transactions());
        assertThat(config.retryLockNotAvailable()).isEqualTo(core.retryLockNotAvailable()).isFalse();
        assertThat(config.retryBudget()).isSameAs(core.retryBudget());
        assertThat(config.breaker()).isSameAs(core.breaker());
        assertThat(config.statementCacheSize()).isEqualTo(core.statementCacheSize());
        assertThat(config.applicationName()).isEqualTo(core.applicationName());
        assertThat(config.pool().maxLifeTime()).isEqualTo(PoolPolicy.production().maxLifeTime());
        assertThat(config.pool().maxCreateConnectionTime()).isEqualTo(PoolPolicy.production().maxCreateConnectionTime());
        assertThat(config.pool().maxPendingAcquires()).isEqualTo(PoolPolicy.production().maxPendingAcquires());
    }

    @Test
    void retryPropertiesChangeOnlyWhatTheySet() {
        ClusterConfig config = ClusterConfigFactory.from(bind("flowgres.retry.read.max-attempts=4",
                "flowgres.retry.read.base-delay=20ms", "flowgres.retry.write.multiplier=3",
                "flowgres.retry.write.max-delay=1s", "flowgres.retry.write.jitter=proportional",
                "flowgres.retry.transaction.jitter=PROPORTIONAL", "flowgres.retry.transaction.jitter-factor=0.25",
                "flowgres.retry.lock-not-available=true"), null);

        RetryPolicy read = config.readRetry();
        assertThat(read.maxAttempts()).isEqualTo(4);
        assertThat(read.baseDelay()).isEqualTo(Duration.ofMillis(20));
        assertThat(read.multiplier()).isEqualTo(RetryPolicy.reads().multiplier());
        assertThat(read.maxDelay()).isEqualTo(RetryPolicy.reads().maxDelay());
        assertThat(read.jitterMode()).isEqualTo(RetryPolicy.Jitter.FULL);
        RetryPolicy write = config.writeRetry();
        assertThat(write.maxAttempts()).isEqualTo(RetryPolicy.writes().maxAttempts());
        assertThat(write.baseDelay()).isEqualTo(RetryPolicy.writes().baseDelay());
        assertThat(write.multiplier()).isEqualTo(3.0);
        assertThat(write.maxDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(write.jitterMode()).isEqualTo(RetryPolicy.Jitter.PROPORTIONAL);
        assertThat(write.jitterFactor()).isEqualTo(RetryPolicy.DEFAULT_JITTER_FACTOR);
        RetryPolicy transaction = config.transactionRetry();
        assertThat(transaction.maxAttempts()).isEqualTo(RetryPolicy.transactions().maxAttempts());
        assertThat(transaction.baseDelay()).isEqualTo(RetryPolicy.transactions().baseDelay());
        assertThat(transaction.jitterMode()).isEqualTo(RetryPolicy.Jitter.PROPORTIONAL);
        assertThat(transaction.jitterFactor()).isEqualTo(0.25);
        assertThat(config.retryLockNotAvailable()).isTrue();
    }

    @Test
    void budgetBreakerAndConnectionSettingsReachTheClusterConfig() {
        ClusterConfig config = ClusterConfigFactory.from(bind("flowgres.retry-budget.ratio=0.1",
                "flowgres.retry-budget.min-retries-per-second=3", "flowgres.retry-budget.window=30s",
                "flowgres.breaker.failure-rate-threshold=30", "flowgres.breaker.slow-call-rate-threshold=90",
                "flowgres.breaker.slow-call-duration=500ms", "flowgres.breaker.window=20s",
                "flowgres.breaker.minimum-calls=50", "flowgres.breaker.open-duration=10s",
                "flowgres.breaker.half-open-calls=2", "flowgres.statement-cache-size=0",
                "flowgres.application-name=orders-api"), null);

        RetryBudgetPolicy budget = config.retryBudget();
        assertThat(budget.ratio()).isEqualTo(0.1);
        assertThat(budget.minRetriesPerSecond()).isEqualTo(3);
        assertThat(budget.window()).isEqualTo(Duration.ofSeconds(30));
        BreakerPolicy breaker = config.breaker();
        assertThat(breaker.failureRateThreshold()).isEqualTo(30f);
        assertThat(breaker.slowCallRateThreshold()).isEqualTo(90f);
        assertThat(breaker.slowCallDuration()).isEqualTo(Duration.ofMillis(500));
        assertThat(breaker.window()).isEqualTo(Duration.ofSeconds(20));
        assertThat(breaker.minimumCalls()).isEqualTo(50);
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(breaker.halfOpenCalls()).isEqualTo(2);
        assertThat(config.statementCacheSize()).isZero();
        assertThat(config.applicationName()).isEqualTo("orders-api");
    }

    @Test
    void unsetBreakerValuesKeepTheCoresDefaults() {
        BreakerPolicy breaker = ClusterConfigFactory.from(bind("flowgres.breaker.open-duration=1s"), null).breaker();

        assertThat(breaker.openDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(breaker.window()).isEqualTo(BreakerPolicy.DEFAULT_WINDOW);
        assertThat(breaker.minimumCalls()).isEqualTo(BreakerPolicy.DEFAULT_MINIMUM_CALLS);
        assertThat(breaker.failureRateThreshold()).isEqualTo(BreakerPolicy.DEFAULT_FAILURE_RATE_THRESHOLD);
    }

    @Test
    void poolLifetimeAndQueueSettingsApplyToTheClusterAndEachNode() {
        ClusterConfig config = ClusterConfigFactory.from(bind("flowgres.pool.max-life-time=10m",
                "flowgres.pool.max-pending-acquires=50", "flowgres.primary.pool.max-life-time=5m",
                "flowgres.replicas[0].url=r2dbc:postgresql://db-2:5432/app",
                "flowgres.replicas[0].pool.max-create-connection-time=1s",
                "flowgres.replicas[0].pool.validation-depth=remote"), null);

        PoolPolicy cluster = config.pool();
        assertThat(cluster.maxLifeTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(cluster.maxPendingAcquires()).isEqualTo(50);
        assertThat(cluster.maxCreateConnectionTime()).isEqualTo(PoolPolicy.production().maxCreateConnectionTime());
        PoolPolicy primary = config.poolFor(config.primary());
        assertThat(primary.maxLifeTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(primary.maxPendingAcquires()).isEqualTo(50);
        PoolPolicy replica = config.poolFor(config.replicas().get(0));
        assertThat(replica.maxCreateConnectionTime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(replica.maxLifeTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(replica.validationDepth()).isEqualTo(ValidationDepth.REMOTE);
        assertThat(primary.validationDepth()).isEqualTo(ValidationDepth.LOCAL);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            flowgres.retry.read.max-attempts        | 0     | flowgres.retry.read: maxAttempts must be between 1 and 100, was 0
            flowgres.retry.write.jitter-factor      | 0.3   | flowgres.retry.write: jitter-factor needs jitter=proportional, was jitter=full, jitter-factor=0.3
            flowgres.retry.transaction.max-delay    | 10ms  | flowgres.retry.transaction: maxDelay must be >= baseDelay, was maxDelay=PT0.01S, baseDelay=PT0.1S
            flowgres.retry-budget.window            | 1500ms| flowgres.retry-budget: window must be 1 to 300 whole seconds, was PT1.5S
            flowgres.breaker.failure-rate-threshold | 0     | flowgres.breaker: failureRateThreshold must be in (0, 100], was 0.0
            flowgres.breaker.window                 | 500ms | flowgres.breaker: window must be a whole number of seconds >= 1s, was PT0.5S
            flowgres.statement-cache-size           | -1    | flowgres.statement-cache-size: statementCacheSize must be between 0 and 10000, was -1
            flowgres.application-name               | café  | flowgres.application-name: applicationName must be 1-63 printable ASCII characters, was 'café'
            flowgres.pool.max-pending-acquires      | 0     | flowgres.pool: maxPendingAcquires must be >= 1, was 0
            flowgres.primary.pool.max-life-time     | 0s    | flowgres.primary: maxLifeTime must be positive, was PT0S
            """)
    void invalidValueFailsNamingItsProperty(String property, String value, String message) {
        FlowgresProperties properties = bind(property + "=" + value);

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .isInstanceOf(InvalidFlowgresPropertyException.class)
                .hasMessage(message);
    }

    @Test
    void proportionalJitterOutOfRangeNamesTheSchedule() {
        FlowgresProperties properties = bind("flowgres.retry.transaction.jitter=proportional",
                "flowgres.retry.transaction.jitter-factor=1.5");

        assertThatThrownBy(() -> ClusterConfigFactory.from(properties, null))
                .hasMessage("flowgres.retry.transaction: jitterFactor must be between 0 and 1, was 1.5");
    }

    /** Binds {@code flowgres.*} as the starter does, on top of an external cluster, failing on unknown names. */
    private static FlowgresProperties bind(String... properties) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("flowgres.primary.url", "r2dbc:postgresql://db-1:5432/app");
        values.put("flowgres.username", "app");
        for (String property : properties) {
            int equals = property.indexOf('=');
            values.put(property.substring(0, equals), property.substring(equals + 1));
        }
        BindHandler failOnUnknownNames = new NoUnboundElementsBindHandler(BindHandler.DEFAULT);
        return new Binder(new MapConfigurationPropertySource(values))
                .bind("flowgres", Bindable.ofInstance(new FlowgresProperties()), failOnUnknownNames)
                .get();
    }

    private static FlowgresProperties external() {
        FlowgresProperties properties = new FlowgresProperties();
        properties.getPrimary().setUrl("r2dbc:postgresql://db-1:5432/app");
        properties.setUsername("app");
        properties.setPassword("hunter2");
        return properties;
    }
}
