package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

final class CachePolicyTest {

    @Test
    void defaultsAreEnabledOneMinuteTenThousandEntries() {
        CachePolicy policy = CachePolicy.defaults();
        assertThat(policy.enabled()).isTrue();
        assertThat(policy.ttl()).isEqualTo(CachePolicy.DEFAULT_TTL).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.maximumSize()).isEqualTo(CachePolicy.DEFAULT_MAXIMUM_SIZE).isEqualTo(10_000);
        assertThat(CachePolicy.builder().build()).isEqualTo(policy).hasSameHashCodeAs(policy);
    }

    @Test
    void builderSetsEveryValue() {
        CachePolicy policy = CachePolicy.builder().enabled(false).ttl(Duration.ofSeconds(5)).maximumSize(3).build();
        assertThat(policy.enabled()).isFalse();
        assertThat(policy.ttl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.maximumSize()).isEqualTo(3);
        assertThat(policy).hasToString("CachePolicy{enabled=false, ttl=PT5S, maximumSize=3}");
    }

    @Test
    void rejectsNonPositiveTtl() {
        assertThatIllegalArgumentException().isThrownBy(() -> CachePolicy.builder().ttl(Duration.ZERO))
                .withMessage("ttl must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> CachePolicy.builder().ttl(Duration.ofSeconds(-1)))
                .withMessage("ttl must be positive, was PT-1S");
    }

    @Test
    void rejectsMaximumSizeBelowOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> CachePolicy.builder().maximumSize(0))
                .withMessage("maximumSize must be at least 1, was 0");
    }
}
