package io.flowgres.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import io.flowgres.internal.metrics.QueryMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

final class SlowQueryLogTest {

    @Test
    void defaultThresholdIs200Milliseconds() {
        assertThat(SlowQueryLog.defaults().threshold()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void onlyAttemptsOverTheThresholdCount() {
        SlowQueryLog log = SlowQueryLog.withThreshold(Duration.ofMillis(100));

        assertThat(log.record("fast", "primary", "success", Duration.ofMillis(100))).isFalse();
        assertThat(log.record("slow", "replica-1", "success", Duration.ofMillis(101))).isTrue();
        assertThat(log.topByCount(10)).extracting(SlowQueryLog.Stats::query).containsExactly("slow");
    }

    @Test
    void reportsRankByCountAndByTotalTime() {
        SlowQueryLog log = SlowQueryLog.withThreshold(Duration.ofMillis(10));
        for (int i = 0; i < 3; i++) {
            log.record("often", "replica-1", "success", Duration.ofMillis(20));
        }
        log.record("rarely", "primary", "error", Duration.ofSeconds(5));

        assertThat(log.topByCount(2)).extracting(SlowQueryLog.Stats::query).containsExactly("often", "rarely");
        assertThat(log.topByTotalTime(2)).extracting(SlowQueryLog.Stats::query).containsExactly("rarely", "often");
        assertThat(log.topByCount(1)).singleElement().satisfies(stats -> {
            assertThat(stats.count()).isEqualTo(3);
            assertThat(stats.totalTime()).isEqualTo(Duration.ofMillis(60));
            assertThat(stats.averageTime()).isEqualTo(Duration.ofMillis(20));
            assertThat(stats.lastNode()).isEqualTo("replica-1");
        });
        log.reset();
        assertThat(log.topByCount(5)).isEmpty();
    }

    @Test
    void badSettingsNameThemselves() {
        assertThatIllegalArgumentException().isThrownBy(() -> SlowQueryLog.withThreshold(Duration.ZERO))
                .withMessage("threshold must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> SlowQueryLog.defaults().topByCount(0))
                .withMessage("limit must be >= 1, was 0");
    }

    @Test
    void queryMetricsFeedTheTotalsTheErrorsAndTheSlowLog() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueryMetrics metrics = new QueryMetrics(registry, SlowQueryLog.withThreshold(Duration.ofMillis(50)));

        metrics.recordAttempt("q", "primary", "primary", "success", Duration.ofMillis(10));
        metrics.recordAttempt("q", "primary", "primary", "error", Duration.ofMillis(90));
        metrics.recordError("q", "primary", new io.r2dbc.spi.R2dbcTransientResourceException("x", "53300"));

        assertThat(metrics.stats().attempts()).isEqualTo(2);
        assertThat(metrics.stats().errorRate()).isEqualTo(0.5);
        assertThat(metrics.stats().averageMillis()).isEqualTo(50.0);
        assertThat(metrics.slowQueries().topByCount(1)).singleElement()
                .extracting(SlowQueryLog.Stats::count).isEqualTo(1L);
        assertThat(registry.get(QueryMetrics.ERROR_COUNTER).tag("sqlstate_class", "53").counter().count())
                .isEqualTo(1.0);
    }
}
