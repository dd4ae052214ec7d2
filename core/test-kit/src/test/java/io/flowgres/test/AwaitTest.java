package io.flowgres.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.routing.NodeView;
import org.junit.jupiter.api.Test;

/** Polling instead of sleeping: a wait ends when its condition holds, and fails saying what it waited for. */
final class AwaitTest {

    @Test
    void aConditionThatAlreadyHoldsIsCheckedOnce() {
        AtomicInteger checks = new AtomicInteger();

        Await.until("nothing", () -> checks.incrementAndGet() > 0, Duration.ofSeconds(5));

        assertThat(checks).hasValue(1);
    }

    @Test
    void theConditionIsPolledUntilItHolds() {
        AtomicInteger checks = new AtomicInteger();

        Await.until("the third check", () -> checks.incrementAndGet() == 3, Duration.ofSeconds(30));

        assertThat(checks).hasValue(3);
    }

    @Test
    void aConditionThatNeverHoldsFailsWithWhatWasAwaited() {
        assertThatThrownBy(() -> Await.until("the impossible", () -> false, Duration.ofMillis(100)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("timed out after PT0.1S waiting for the impossible");
    }

    @Test
    void probedDrivesTheProberBeforeEachCheck() {
        // Background probes off: only Await.probed can teach routing that nothing listens there.
        ClusterConfig config = ClusterConfig.builder().primary("r2dbc:postgresql://127.0.0.1:1/none")
                .credentials("user", "password").build();
        try (Flowgres flowgres = Flowgres.builder(config).probing(false).build()) {
            assertThat(flowgres.topology().node("primary")).map(NodeView::status).contains("up");

            Await.probed(flowgres, "the primary seen down",
                    () -> flowgres.topology().node("primary").map(NodeView::status).orElseThrow().equals("down"),
                    Duration.ofSeconds(30));

            assertThat(flowgres.topology().node("primary")).map(NodeView::probeFailure).isPresent();
        }
    }
}
