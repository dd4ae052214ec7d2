package io.flowgres.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.List;
import java.time.Instant;

import org.junit.jupiter.api.Test;

final class HealthPolicyTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        HealthPolicy policy = HealthPolicy.defaults();

        assertThat(policy.cacheTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.refreshInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.checkTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.maxReplicaLagBytes()).isEqualTo(16L * 1024 * 1024);
    }

    @Test
    void badValuesNameTheSettingAndShowTheValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> HealthPolicy.builder().cacheTtl(Duration.ofSeconds(-1)))
                .withMessage("cacheTtl must be positive, was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> HealthPolicy.builder().checkTimeout(Duration.ZERO))
                .withMessage("checkTimeout must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> HealthPolicy.builder().maxReplicaLagBytes(-1))
                .withMessage("maxReplicaLagBytes must be >= 0, was -1");
    }

    @Test
    void refreshSlowerThanTheTtlConflicts() {
        assertThatIllegalStateException().isThrownBy(() -> HealthPolicy.builder().cacheTtl(Duration.ofSeconds(1))
                        .refreshInterval(Duration.ofSeconds(2)).build())
                .withMessage("refreshInterval must be <= cacheTtl, was refreshInterval=PT2S, cacheTtl=PT1S");
    }

    @Test
    void overallFollowsThePrimaryAndDegradesOnAnyReplica() {
        HealthReport.NodeReport primaryUp = new HealthReport.NodeReport("p", "primary", HealthReport.Status.UP, 1, null);
        HealthReport.NodeReport primaryDown = new HealthReport.NodeReport("p", "primary", HealthReport.Status.DOWN, -1, "timeout");
        HealthReport.NodeReport replicaUp = new HealthReport.NodeReport("r", "replica", HealthReport.Status.UP, 1, null);
        HealthReport.NodeReport replicaLagging = replicaUp.with(HealthReport.Status.DEGRADED, "lagging", 1L << 30);
        HealthReport.NodeReport replicaDown = new HealthReport.NodeReport("r", "replica", HealthReport.Status.DOWN, -1, "timeout");

        assertThat(HealthReport.overall(List.of(primaryUp, replicaUp))).isEqualTo(HealthReport.Status.UP);
        assertThat(HealthReport.overall(List.of(primaryUp, replicaLagging))).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(HealthReport.overall(List.of(primaryUp, replicaDown))).isEqualTo(HealthReport.Status.DEGRADED);
        assertThat(HealthReport.overall(List.of(primaryDown, replicaUp))).isEqualTo(HealthReport.Status.DOWN);
        assertThat(new HealthReport(HealthReport.Status.UP, Instant.EPOCH, List.of(replicaLagging)).nodes().get(0).lagBytes())
                .isEqualTo(1L << 30);
    }
}
