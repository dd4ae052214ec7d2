package io.flowgres.internal.node;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The load on one node and how long it has gone without answering: the figures that let the
 * balancer avoid a frozen node within milliseconds, long before its first slow answer can reach
 * the latency average.
 *
 * <p>Work is <em>in flight</em> from subscription to its terminal signal; a cancelled attempt's
 * connection is <em>settling</em> until it is back in the pool or discarded, and counts as load
 * meanwhile (a cancelled read still occupies the server). The <em>stall</em> is how long there has
 * been work on the node without any answer (a row, a result, an error, a settled connection): zero
 * when idle or when answers keep coming. A cancellation or a failed acquire is not an answer, so a
 * replica whose stuck reads are abandoned still looks stuck.
 *
 * <p>Lock-free; the clock is injected (nanoseconds) so stall logic runs on virtual time in tests.
 */
public final class LoadTracker {

    private final LongSupplier clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger settling = new AtomicInteger();
    private final AtomicLong busySince;
    private final AtomicLong lastAnswer;

    /**
     * Creates an idle tracker.
     *
     * @param clock the clock, in nanoseconds
     */
    public LoadTracker(LongSupplier clock) {
        this.clock = clock;
        long now = clock.getAsLong();
        this.busySince = new AtomicLong(now);
        this.lastAnswer = new AtomicLong(now);
    }

    /** The clock this tracker reads, in nanoseconds. */
    public long now() {
        return clock.getAsLong();
    }

    /** Work started on the node: when the node was idle, the stall is measured from now. */
    public void started() {
        if (inFlight.getAndIncrement() == 0 && settling.get() == 0) {
            busySince.set(clock.getAsLong());
        }
    }

    /** Work ended (completed, failed or cancelled); a cancelled attempt then settles separately. */
    public void finished() {
        inFlight.decrementAndGet();
    }

    /** A cancelled attempt's connection starts settling. */
    public void settlingStarted() {
        settling.incrementAndGet();
    }

    /** A settling connection is back in the pool or discarded. */
    public void settlingEnded() {
        settling.decrementAndGet();
    }

    /** The server answered something: the stall, if any, ends now. */
    public void answered() {
        lastAnswer.set(clock.getAsLong());
    }

    /**
     * When the server last answered anything on this node (a row, a result, an error, a settled
     * connection), on this tracker's clock: what tells a node that is working from one that is not,
     * whatever a single slow probe says.
     *
     * @return the time of the last answer, in nanoseconds; the tracker's creation before any
     */
    public long lastAnswerNanos() {
        return lastAnswer.get();
    }

    /** Operations running on the node right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Cancelled attempts whose connections are not settled yet. */
    public int settling() {
        return settling.get();
    }

    /**
     * How long the node has had work without answering any of it.
     *
     * @return the stall in nanoseconds; zero when idle
     */
    public long stallNanos() {
        if (inFlight.get() + settling.get() == 0) {
            return 0;
        }
        return Math.max(0, clock.getAsLong() - Math.max(busySince.get(), lastAnswer.get()));
    }
}
