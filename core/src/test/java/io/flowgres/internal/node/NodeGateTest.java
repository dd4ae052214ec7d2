package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;

/** The gate's breaker when the prober returns a node after an outage: it forgets what the outage taught it. */
final class NodeGateTest {

    private static final int MINIMUM_CALLS = 5;
    private static final long S = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(100 * S);
    private final CircuitBreaker breaker = CircuitBreaker.of("primary", CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(60)
            .minimumNumberOfCalls(MINIMUM_CALLS)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1))
            .build());
    private final NodeGate gate = new NodeGate("primary", NodeRole.PRIMARY, breaker, Duration.ofMinutes(1),
            clock::get);

    @Test
    void callsThatFailedInTheOutageNoLongerOpenAClosedBreakerOnceTheNodeReturns() {
        gate.wentDown(clock.get());
        failures(MINIMUM_CALLS - 1);
        gate.returned();

        successes(MINIMUM_CALLS);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(gate.isAvailable()).isTrue();
    }

    @Test
    void withoutTheReturnTheOutagesCallsOpenTheBreakerOnTheFirstCallAfter() {
        failures(MINIMUM_CALLS - 1);

        successes(1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(gate.isAvailable()).isFalse();
    }

    @Test
    void aBreakerThatOpenedInTheOutageClosesWhenTheNodeReturns() {
        long lastAnswered = clock.get();
        clock.addAndGet(S);
        // Opened by calls failing before the prober noticed: still after the node's last good probe.
        failures(MINIMUM_CALLS);
        clock.addAndGet(S);
        gate.wentDown(lastAnswered);
        assertThat(gate.isAvailable()).isFalse();
        assertThat(gate.retryAfter()).isPositive();

        gate.returned();
        assertThat(gate.isAvailable()).isTrue();
        assertThat(gate.retryAfter()).isZero();
    }

    @Test
    void aBreakerThatOpenedWhileProbesStillFoundTheNodeAnsweringStaysOpen() {
        failures(MINIMUM_CALLS);
        clock.addAndGet(S);
        gate.wentDown(clock.get());

        gate.returned();
        assertThat(gate.isAvailable()).as("calls failed while the prober could still reach the node").isFalse();
    }

    private void failures(int count) {
        for (int i = 0; i < count; i++) {
            breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("timeout"));
        }
    }

    private void successes(int count) {
        for (int i = 0; i < count; i++) {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
        }
    }
}
