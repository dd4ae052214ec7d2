package io.flowgres.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The counterpart of {@link io.flowgres.test.Await}: a condition that must keep holding for a while
 * (a query that must still be running, a replica that must stay in rotation) is checked again and
 * again over the whole period, instead of sleeping and checking once at the end.
 */
public final class Invariant {

    private static final long POLL_MILLIS = 50;

    private Invariant() {
    }

    /**
     * Checks a condition repeatedly for a period and fails at the first check it does not hold.
     *
     * @param what what must hold, for the failure message
     * @param condition the condition
     * @param period how long it must hold
     * @return how many checks were made, at least one
     * @throws AssertionError at the first check that fails
     */
    public static int holdsFor(String what, BooleanSupplier condition, Duration period) {
        long started = System.nanoTime();
        int checks = 0;
        do {
            checks++;
            if (!condition.getAsBoolean()) {
                throw new AssertionError("no longer " + what + " after "
                        + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms (check " + checks + ")");
            }
            pause();
        } while (System.nanoTime() - started < period.toNanos());
        return checks;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while checking", e);
        }
    }
}
