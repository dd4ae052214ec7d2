package io.flowgres.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

final class ClusterConfigTest {

    private static final String PRIMARY = "r2dbc:postgresql://127.0.0.1:5432/app";
    private static final String REPLICA = "r2dbc:postgresql://127.0.0.1:5433/app";

    @Test
    void defaultsAreTheDocumentedPresets() {
        ClusterConfig config = ClusterConfig.builder().primary(PRIMARY).build();

        assertThat(config.replicas()).isEmpty();
        assertThat(config.username()).isEqualTo("postgres");
        assertThat(config.password()).isNull();
        assertThat(config.pool()).isSameAs(PoolPolicy.defaults()).isSameAs(PoolPolicy.production());
        assertThat(config.readRetry()).isSameAs(RetryPolicy.reads());
        assertThat(config.writeRetry()).isSameAs(RetryPolicy.writes());
        assertThat(config.transactionRetry()).isSameAs(RetryPolicy.transactions());
        assertThat(config.breaker()).isSameAs(BreakerPolicy.defaults());
        assertThat(config.queryTimeout()).isEqualTo(ClusterConfig.DEFAULT_QUERY_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.statementCacheSize()).isEqualTo(256);
        assertThat(config.applicationName()).isEqualTo("flowgres");
    }

    @Test
    void replicasAddedByUrlAreNamedInOrder() {
        ClusterConfig config = ClusterConfig.builder().primary(PRIMARY).replica(REPLICA)
                .replica("r2dbc:postgresql://127.0.0.1:5434/app").build();

        assertThat(config.nodes()).extracting(NodeConfig::name).containsExactly("primary", "replica-1", "replica-2");
    }

    @Test
    void missingPrimaryFailsAtBuild() {
        assertThatIllegalStateException().isThrownBy(() -> ClusterConfig.builder().replica(REPLICA).build())
                .withMessage("primary must be set");
    }

    @Test
    void secondPrimaryIsAConflict() {
        assertThatIllegalStateException().isThrownBy(() -> ClusterConfig.builder().primary(PRIMARY).primary(REPLICA))
                .withMessageStartingWith("primary is already set to NodeConfig{primary r2dbc:postgresql://127.0.0.1:5432/app");
    }

    @Test
    void duplicateNamesAndAddressesAreRejected() {
        assertThatIllegalStateException()
                .isThrownBy(() -> ClusterConfig.builder().primary(PRIMARY).replica(NodeConfig.of("primary", REPLICA))
                        .build())
                .withMessage("node names must be unique, 'primary' is used twice");
        assertThatIllegalStateException()
                .isThrownBy(() -> ClusterConfig.builder().primary(PRIMARY).replica(PRIMARY).build())
                .withMessage("node addresses must be unique, r2dbc:postgresql://127.0.0.1:5432/app is used twice");
    }

    @Test
    void badValuesNameThemselvesAndShowTheValue() {
        ClusterConfig.Builder builder = ClusterConfig.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> builder.queryTimeout(Duration.ofSeconds(-1)))
                .withMessage("queryTimeout must be positive, was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.statementCacheSize(-1))
                .withMessage("statementCacheSize must be between 0 and 10000, was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.credentials(" ", "secret"))
                .withMessage("username must not be blank");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.applicationName(""))
                .withMessage("applicationName must be 1-63 printable ASCII characters, was ''");
    }

    @Test
    void toStringNeverShowsThePassword() {
        ClusterConfig config = ClusterConfig.builder().primary(PRIMARY).credentials("app", "s3cr3t-pw").build();

        assertThat(config.toString()).doesNotContain("s3cr3t-pw").contains("password=****");
        assertThat(config.password()).isEqualTo("s3cr3t-pw");
    }

    @Test
    void nodeWithoutOwnPoolUsesTheClusters() {
        PoolPolicy own = PoolPolicy.test();
        ClusterConfig config = ClusterConfig.builder().primary(PRIMARY)
                .replica(NodeConfig.of("replica-1", REPLICA).withPool(own)).pool(PoolPolicy.staging()).build();

        assertThat(config.poolFor(config.primary())).isSameAs(PoolPolicy.staging());
        assertThat(config.poolFor(config.replicas().get(0))).isSameAs(own);
    }
}
