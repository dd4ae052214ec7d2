package io.flowgres.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;

import io.r2dbc.spi.ValidationDepth;

import org.junit.jupiter.api.Test;

final class PoolPolicyTest {

    @Test
    void presetsHaveTheDocumentedSizes() {
        assertThat(PoolPolicy.development()).extracting(PoolPolicy::initialSize, PoolPolicy::maxSize).containsExactly(1, 5);
        assertThat(PoolPolicy.test()).extracting(PoolPolicy::initialSize, PoolPolicy::maxSize).containsExactly(1, 3);
        assertThat(PoolPolicy.staging()).extracting(PoolPolicy::initialSize, PoolPolicy::maxSize).containsExactly(5, 20);
        assertThat(PoolPolicy.production()).extracting(PoolPolicy::initialSize, PoolPolicy::maxSize)
                .containsExactly(10, 30);
        assertThat(PoolPolicy.highLoad()).extracting(PoolPolicy::initialSize, PoolPolicy::maxSize).containsExactly(20, 50);
    }

    @Test
    void everyWaitIsBoundedByDefault() {
        PoolPolicy policy = PoolPolicy.defaults();

        assertThat(policy.maxAcquireTime()).isEqualTo(PoolPolicy.DEFAULT_MAX_ACQUIRE_TIME).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.maxCreateConnectionTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.maxPendingAcquires()).isEqualTo(PoolPolicy.DEFAULT_MAX_PENDING_ACQUIRES).isEqualTo(1000);
        assertThat(policy.maxLifeTime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(policy.validationDepth()).isEqualTo(ValidationDepth.LOCAL);
    }

    @Test
    void validationDepthIsKeptByToBuilder() {
        PoolPolicy remote = PoolPolicy.production().toBuilder().validationDepth(ValidationDepth.REMOTE).build();
        assertThat(remote.toBuilder().maxSize(40).build().validationDepth()).isEqualTo(ValidationDepth.REMOTE);
        assertThat(remote.toString()).contains("validationDepth=REMOTE");
    }

    @Test
    void presetsAreSelectedByName() {
        assertThat(PoolPolicy.preset("High_Load")).isSameAs(PoolPolicy.highLoad());
        assertThat(PoolPolicy.preset(" staging ")).isSameAs(PoolPolicy.staging());
        assertThatIllegalArgumentException().isThrownBy(() -> PoolPolicy.preset("huge"))
                .withMessage("pool preset must be one of development, test, staging, production, high-load, was 'huge'");
    }

    @Test
    void minAboveMaxFailsAtBuild() {
        assertThatIllegalStateException().isThrownBy(() -> PoolPolicy.builder().initialSize(10).maxSize(5).build())
                .withMessage("initialSize must be <= maxSize, was initialSize=10, maxSize=5");
    }

    @Test
    void badValuesShowThemselves() {
        PoolPolicy.Builder builder = PoolPolicy.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxSize(0))
                .withMessage("maxSize must be between 1 and 1000, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.initialSize(-1))
                .withMessage("initialSize must be >= 0, was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxAcquireTime(Duration.ZERO))
                .withMessage("maxAcquireTime must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxPendingAcquires(0))
                .withMessage("maxPendingAcquires must be >= 1, was 0");
    }

    @Test
    void aPresetCanBeOverridden() {
        PoolPolicy policy = PoolPolicy.staging().toBuilder().maxSize(8).build();

        assertThat(policy.initialSize()).isEqualTo(5);
        assertThat(policy.maxSize()).isEqualTo(8);
        assertThat(policy.maxIdleTime()).isEqualTo(PoolPolicy.staging().maxIdleTime());
    }
}
