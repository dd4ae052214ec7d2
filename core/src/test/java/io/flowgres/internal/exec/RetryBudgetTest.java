package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.flowgres.cluster.RetryBudgetPolicy;
import org.junit.jupiter.api.Test;

final class RetryBudgetTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    @Test
    void retriesAreCappedToTheRatioOfRecentOperationsPlusTheFloor() {
        RetryBudget budget = new RetryBudget(RetryBudgetPolicy.builder().ratio(0.2).minRetriesPerSecond(1)
                .window(Duration.ofSeconds(10)).build(), clock::get);
        for (int i = 0; i < 100; i++) {
            budget.recordOperation();
        }
        int granted = 0;
        while (budget.tryRetry()) {
            granted++;
        }
        assertThat(granted).as("20 %% of 100 plus 1 per second over 10 s").isEqualTo(30);
    }

    @Test
    void aQuietServiceStillGetsTheFloor() {
        RetryBudget budget = new RetryBudget(RetryBudgetPolicy.builder().minRetriesPerSecond(2)
                .window(Duration.ofSeconds(5)).build(), clock::get);
        int granted = 0;
        while (budget.tryRetry()) {
            granted++;
        }
        assertThat(granted).isEqualTo(10);
    }

    @Test
    void oldOperationsAndRetriesLeaveTheWindow() {
        RetryBudget budget = new RetryBudget(RetryBudgetPolicy.builder().ratio(1).minRetriesPerSecond(0)
                .window(Duration.ofSeconds(3)).build(), clock::get);
        for (int i = 0; i < 5; i++) {
            budget.recordOperation();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(budget.tryRetry()).isTrue();
        }
        assertThat(budget.tryRetry()).isFalse();

        clock.addAndGet(3 * SECOND);
        assertThat(budget.tryRetry()).as("nothing recent earns a retry").isFalse();
        budget.recordOperation();
        assertThat(budget.tryRetry()).isTrue();
        assertThat(budget.tryRetry()).isFalse();
    }

    @Test
    void loadUnderASickClusterStaysNearOnePointTwoTimes() {
        RetryBudget budget = new RetryBudget(RetryBudgetPolicy.defaults(), clock::get);
        long attempts = 0;
        for (int second = 0; second < 60; second++) {
            for (int op = 0; op < 1000; op++) {
                budget.recordOperation();
                attempts++;
                for (int retry = 0; retry < 2 && budget.tryRetry(); retry++) {
                    attempts++; // every attempt fails: a policy of 3 attempts would triple the load
                }
            }
            clock.addAndGet(SECOND);
        }
        double amplification = attempts / 60_000.0;
        assertThat(amplification).isBetween(1.0, 1.25);
    }

    @Test
    void policyDefaultsAndMessages() {
        RetryBudgetPolicy defaults = RetryBudgetPolicy.defaults();
        assertThat(defaults.ratio()).isEqualTo(0.2);
        assertThat(defaults.minRetriesPerSecond()).isEqualTo(10);
        assertThat(defaults.window()).isEqualTo(Duration.ofSeconds(10));
        assertThatIllegalArgumentException().isThrownBy(() -> RetryBudgetPolicy.builder().ratio(-0.1))
                .withMessage("ratio must be between 0 and 10, was -0.1");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryBudgetPolicy.builder().minRetriesPerSecond(-1))
                .withMessage("minRetriesPerSecond must be >= 0, was -1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RetryBudgetPolicy.builder().window(Duration.ofMillis(1500)))
                .withMessage("window must be 1 to 300 whole seconds, was PT1.5S");
    }
}
