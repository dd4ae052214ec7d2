package io.flowgres.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

final class HealthMonitorTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final AtomicInteger checks = new AtomicInteger();

    @AfterEach
    void disposeTime() {
        time.dispose();
    }

    @Test
    void quickIsDownWithNoNodesBeforeTheFirstCheck() {
        HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time);

        assertThat(monitor.age()).isNull();
        HealthReport first = monitor.quick();

        assertThat(first.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(first.nodes()).isEmpty();
        assertThat(checks).as("the first quick read asks for a check").hasValue(1);
    }

    @Test
    void backgroundChecksRunAtOnceAndThenEveryInterval() {
        try (HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time).start()) {
            time.advanceTime();
            assertThat(checks).hasValue(1);
            assertThat(monitor.quick().status()).isEqualTo(HealthStatus.UP);

            time.advanceTimeBy(HealthPolicy.DEFAULT_REFRESH_INTERVAL.multipliedBy(3));
            assertThat(checks).hasValue(4);
        }
        time.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(checks).as("closed monitors stop checking").hasValue(4);
    }

    @Test
    void quickServesTheCacheWithinTheTtlAndRefreshesInTheBackgroundWhenStale() {
        HealthMonitor monitor = new HealthMonitor(this::check, HealthPolicy.defaults(), time);
        monitor.deep().as(StepVerifier::create).expectNextCount(1).verifyComplete();
        HealthReport first = monitor.quick();

        time.advanceTimeBy(HealthPolicy.DEFAULT_CACHE_TTL.minusSeconds(1));
        assertThat(monitor.quick()).isSameAs(first);
        assertThat(checks).hasValue(1);

        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(monitor.quick()).as("stale, served while the re-check runs").isSameAs(first);
        assertThat(checks).hasValue(2);
        assertThat(monitor.quick()).isNotSameAs(first);
        assertThat(monitor.age()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aSlowCheckNeverBlocksQuickAndIsNotStartedTwice() {
        HealthMonitor monitor = new HealthMonitor(() -> {
            checks.incrementAndGet();
            return Mono.delay(Duration.ofSeconds(3), time).map(tick -> report(HealthStatus.DOWN));
        }, HealthPolicy.defaults(), time);
        time.advanceTimeBy(Duration.ofMinutes(1));

        HealthReport before = monitor.quick();
        for (int i = 0; i < 100; i++) {
            assertThat(monitor.quick()).isSameAs(before);
        }
        assertThat(checks).hasValue(1);

        time.advanceTimeBy(Duration.ofSeconds(3));
        assertThat(monitor.quick().status()).isEqualTo(HealthStatus.DOWN);
        assertThat(monitor.quick().nodes()).hasSize(1);
    }

    @Test
    void lsnsParseIntoBytePositions() {
        assertThat(NodeProbe.parseLsn("0/0")).isZero();
        assertThat(NodeProbe.parseLsn("16/B374D848")).isEqualTo(0x16B374D848L);
        assertThat(NodeProbe.parseLsn("1/0") - NodeProbe.parseLsn("0/FFFFFFFF")).isEqualTo(1);
    }

    private Mono<HealthReport> check() {
        return Mono.fromSupplier(() -> {
            checks.incrementAndGet();
            return report(HealthStatus.UP);
        });
    }

    private static HealthReport report(HealthStatus status) {
        NodeReport primary = new NodeReport("primary", "primary", status, 1.0, null);
        return new HealthReport(HealthReport.overall(List.of(primary)), Instant.now(), List.of(primary));
    }
}
