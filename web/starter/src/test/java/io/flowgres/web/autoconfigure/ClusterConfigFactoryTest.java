package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import org.junit.jupiter.api.Test;

final class ClusterConfigFactoryTest {

    @Test
    void propertiesBecomeAValidatedClusterConfig() {
        FlowgresProperties properties = external();
        FlowgresProperties.Node replica = new FlowgresProperties.Node();
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
        FlowgresProperties.Node replica = new FlowgresProperties.Node();
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

    private static FlowgresProperties external() {
        FlowgresProperties properties = new FlowgresProperties();
        properties.getPrimary().setUrl("r2dbc:postgresql://db-1:5432/app");
        properties.setUsername("app");
        properties.setPassword("hunter2");
        return properties;
    }
}
