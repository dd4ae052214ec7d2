package io.flowgres.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.flowgres.internal.metrics.QueryMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

final class SlowQueryLogTest {

    @Test
    void defaultThresholdIs200MillisecondsAndALinePerQueryASecond() {
        assertThat(SlowQueryLog.defaults().threshold()).isEqualTo(Duration.ofMillis(200));
        assertThat(SlowQueryLog.defaults().logInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(SlowQueryLog.withThreshold(Duration.ofMillis(5)).logInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aBurstOfSlowAttemptsLogsOneLinePerIntervalAndCountsEveryAttempt() {
        AtomicLong now = new AtomicLong();
        SlowQueryLog log = SlowQueryLog.builder().threshold(Duration.ofMillis(100)).ticker(now::get).build();
        try (Lines lines = new Lines()) {
            for (int i = 1; i <= 5; i++) {
                log.record("stalled", "replica-1", "success", Duration.ofMillis(100 + 10 * i));
            }
            assertThat(lines.messages()).containsExactly(
                    "Slow query stalled on replica-1: 110 ms (success), threshold 100 ms");

            now.addAndGet(Duration.ofMillis(999).toNanos());
            log.record("stalled", "replica-1", "success", Duration.ofMillis(300));
            assertThat(lines.messages()).hasSize(1);

            now.addAndGet(Duration.ofMillis(1).toNanos());
            log.record("stalled", "replica-2", "error", Duration.ofMillis(120));
            assertThat(lines.messages()).containsExactly(
                    "Slow query stalled on replica-1: 110 ms (success), threshold 100 ms",
                    "Slow query stalled on replica-2: 120 ms (error), threshold 100 ms; "
                            + "and 5 more since its last line, slowest 300 ms");
        }
        assertThat(log.topByCount(1)).singleElement().satisfies(stats -> {
            assertThat(stats.count()).isEqualTo(7);
            assertThat(stats.maxTime()).isEqualTo(Duration.ofMillis(300));
        });
    }

    @Test
    void eachQueryNameHasItsOwnInterval() {
        SlowQueryLog log = SlowQueryLog.builder().threshold(Duration.ofMillis(10)).ticker(() -> 0).build();
        try (Lines lines = new Lines()) {
            log.record("a", "primary", "success", Duration.ofMillis(20));
            log.record("b", "primary", "success", Duration.ofMillis(30));
            log.record("a", "primary", "success", Duration.ofMillis(40));

            assertThat(lines.messages()).containsExactly("Slow query a on primary: 20 ms (success), threshold 10 ms",
                    "Slow query b on primary: 30 ms (success), threshold 10 ms");
        }
    }

    @Test
    void aZeroIntervalLogsEverySlowAttempt() {
        SlowQueryLog log = SlowQueryLog.builder().threshold(Duration.ofMillis(10)).logInterval(Duration.ZERO)
                .ticker(() -> 0).build();
        try (Lines lines = new Lines()) {
            for (int i = 0; i < 3; i++) {
                log.record("a", "primary", "success", Duration.ofMillis(20));
            }
            assertThat(lines.messages()).hasSize(3);
        }
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
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SlowQueryLog.builder().logInterval(Duration.ofSeconds(-1)))
                .withMessage("logInterval must not be negative, was PT-1S");
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

    /** The slow-query log's lines while a test runs. */
    private static final class Lines implements AutoCloseable {

        private final Logger logger = (Logger) LoggerFactory.getLogger(SlowQueryLog.class);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        Lines() {
            appender.start();
            logger.addAppender(appender);
        }

        List<String> messages() {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
