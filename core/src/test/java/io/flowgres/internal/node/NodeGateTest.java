package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;

/** The gate's breaker when the prober returns a node: the outage's calls are forgotten. */
final class NodeGateTest {

    private static final int MINIMUM_CALLS = 5;

    private final CircuitBreaker breaker = CircuitBreaker.of("primary", CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(60)
            .minimumNumberOfCalls(MINIMUM_CALLS)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1))
            .build());
    private final NodeGate gate = new NodeGate("primary", NodeRole.PRIMARY, breaker, Duration.ofMinutes(1),
            System::nanoTime);

    @Test
    void callsThatFailedBeforeANodeReturnedNoLongerOpenItsBreaker() {
        failuresDuringTheOutage();
        gate.returned();

        for (int i = 0; i < MINIMUM_CALLS; i++) {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(gate.isAvailable()).isTrue();
    }

    @Test
    void withoutTheReturnTheOutagesCallsOpenTheBreakerOnTheFirstCallAfter() {
        failuresDuringTheOutage();

        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(gate.isAvailable()).isFalse();
    }

    @Test
    void aBreakerOpenedDuringTheOutageClosesWhenTheNodeReturns() {
        failuresDuringTheOutage();
        breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("timeout"));
        assertThat(gate.isAvailable()).isFalse();
        assertThat(gate.retryAfter()).isPositive();

        gate.returned();
        assertThat(gate.isAvailable()).isTrue();
        assertThat(gate.retryAfter()).isZero();
    }

    /** Fewer failures than the breaker's minimum: it stays closed through the outage. */
    private void failuresDuringTheOutage() {
        for (int i = 0; i < MINIMUM_CALLS - 1; i++) {
            breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("timeout"));
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
