package io.flowgres.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

final class PoolUsageTest {

    @Test
    void poolWithRoomAndNoWaitersIsHealthy() {
        assertThat(new PoolUsage(0, 0, 0, 10).health()).isEqualTo(PoolUsage.Health.HEALTHY);
        assertThat(new PoolUsage(7, 3, 0, 10).health()).isEqualTo(PoolUsage.Health.HEALTHY);
        assertThat(new PoolUsage(7, 3, 0, 10).utilisation()).isEqualTo(0.7);
    }

    @Test
    void busyPoolOrAnyWaiterIsDegraded() {
        assertThat(new PoolUsage(8, 2, 0, 10).health()).isEqualTo(PoolUsage.Health.DEGRADED);
        assertThat(new PoolUsage(2, 0, 1, 10).health()).isEqualTo(PoolUsage.Health.DEGRADED);
    }

    @Test
    void fullPoolWithWaitersOrALongQueueIsCritical() {
        assertThat(new PoolUsage(10, 0, 1, 10).health()).isEqualTo(PoolUsage.Health.CRITICAL);
        assertThat(new PoolUsage(3, 0, 10, 10).health()).isEqualTo(PoolUsage.Health.CRITICAL);
        assertThat(PoolUsage.Health.CRITICAL.level()).isEqualTo(2);
    }

    @Test
    void impossibleFiguresAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new PoolUsage(-1, 0, 0, 1))
                .withMessage("pool counts must be >= 0, was acquired=-1, idle=0, pending=0");
        assertThatIllegalArgumentException().isThrownBy(() -> new PoolUsage(0, 0, 0, 0))
                .withMessage("max must be >= 1, was 0");
    }
}
