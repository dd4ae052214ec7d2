package io.flowgres.web.paging;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.web.problem.OverloadedException;
import reactor.core.publisher.Flux;

/**
 * Bounds the exports one instance runs at once. An export holds
 * a replica connection for as long as its client reads, so without a bound a few slow downloads
 * would take every pooled connection and push ordinary reads onto the primary. An export over the
 * limit fails at once, before it touches the database, with an {@link OverloadedException} (a 503
 * with {@code Retry-After}); it never waits for a permit. A permit is taken when the export's
 * stream is subscribed and given back exactly once when it completes, fails or is cancelled.
 * Thread-safe.
 */
public final class ExportLimiter {

    /** The default number of concurrent exports per instance. */
    public static final int DEFAULT_LIMIT = 4;
    /** The largest limit accepted. */
    public static final int MAX_LIMIT = 1000;
    /** What a refused export is told to wait before it retries. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final int limit;
    private final AtomicInteger running = new AtomicInteger();

    /**
     * Creates a limiter.
     *
     * @param limit the exports that may run at once, 1 to {@value #MAX_LIMIT}
     * @throws IllegalArgumentException when the limit is out of range
     */
    public ExportLimiter(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("exportLimit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
        this.limit = limit;
    }

    /**
     * Runs an export under the limit: each subscription takes a permit or fails with
     * {@link OverloadedException} without subscribing to {@code export}.
     *
     * @param export the export's rows
     * @param <T> the row type
     * @return the rows, holding a permit while they flow
     */
    public <T> Flux<T> limit(Flux<T> export) {
        return Flux.using(this::acquire, permit -> export, Permit::release);
    }

    /** How many exports hold a permit now. */
    public int running() {
        return running.get();
    }

    /** The configured limit. */
    public int limit() {
        return limit;
    }

    private Permit acquire() {
        while (true) {
            int now = running.get();
            if (now >= limit) {
                throw new OverloadedException("at most " + limit + " exports run at once on this instance; "
                        + "retry later", RETRY_AFTER);
            }
            if (running.compareAndSet(now, now + 1)) {
                return new Permit();
            }
        }
    }

    /** One taken permit; released once, whichever of completion, error and cancellation comes first. */
    private final class Permit {

        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                running.decrementAndGet();
            }
        }
    }
}
