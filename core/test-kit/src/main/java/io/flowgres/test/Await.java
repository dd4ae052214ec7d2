package io.flowgres.test;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.flowgres.Flowgres;

/**
 * Bounded waits for conditions a real cluster reaches in its own time, instead of sleeping and then
 * asserting: the condition is polled, and when it concerns what Flowgres knows of the nodes the
 * prober is asked for a round first, so the test waits for the servers, not for a probe interval.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(50);

    private Await() {
    }

    /**
     * Polls a condition until it holds.
     *
     * @param what what is waited for, for the failure message
     * @param condition the condition
     * @param timeout how long to wait
     * @throws AssertionError when the condition does not hold in time
     */
    public static void until(String what, BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            pause(POLL);
        }
    }

    /**
     * Probes every node and checks a condition on what routing then knows, until it holds.
     *
     * @param flowgres the facade whose prober is driven
     * @param what what is waited for, for the failure message
     * @param condition the condition, typically on {@link Flowgres#topology()}
     * @param timeout how long to wait
     * @throws AssertionError when the condition does not hold in time
     */
    public static void probed(Flowgres flowgres, String what, BooleanSupplier condition, Duration timeout) {
        until(what, () -> {
            flowgres.probeNow().block(timeout);
            return condition.getAsBoolean();
        }, timeout);
    }

    /**
     * Probes every node until routing sees each of them {@code up}: reachable, breaker not open, not
     * ejected, not lagging. The usual start of a test that breaks a node, and its cleanup.
     *
     * @param flowgres the facade whose prober is driven
     * @param timeout how long to wait
     * @throws AssertionError when some node is not up in time
     */
    public static void everyNodeUp(Flowgres flowgres, Duration timeout) {
        probed(flowgres, "every node up", () -> flowgres.topology().nodes().stream()
                .allMatch(node -> node.status().equals("up")), timeout);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
