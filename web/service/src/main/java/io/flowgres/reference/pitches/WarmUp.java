package io.flowgres.reference.pitches;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import reactor.core.publisher.Mono;

/**
 * Runs each read path once before the service reports itself ready: a pitch by id, a profile, a
 * browse page. Their first run loads and initialises what the request path needs (Spring Data's query
 * machinery, the transaction bridge, codecs, the driver's prepared statements) on the main thread, where
 * it may take its time, instead of on an event loop under the first clients, whose slow first answers
 * would also teach the nodes' adaptive concurrency limits to refuse work. Failures are logged, never
 * fatal: an empty or unreachable database still lets the service start.
 */
public final class WarmUp {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
    private static final Duration BOUND = Duration.ofSeconds(30);

    private final PitchStore pitches;
    private final UserStore users;

    /**
     * Creates the warm-up.
     *
     * @param pitches the pitch store
     * @param users the user store
     */
    public WarmUp(PitchStore pitches, UserStore users) {
        this.pitches = pitches;
        this.users = users;
    }

    /**
     * Runs the reads; Boot calls this before it publishes readiness ({@code ACCEPTING_TRAFFIC}).
     *
     * @param ready the event
     */
    @EventListener
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public void onReady(ApplicationReadyEvent ready) {
        long started = System.nanoTime();
        try {
            // Side by side: each path's first run mostly waits (a connection's start, a prepared statement),
            // so together they take about as long as the slowest alone (issue #16: start-up).
            Mono.when(pitches.findJsonById(1, null), users.findWithPitches(1),
                    pitches.browse(PitchFilter.none(), PitchSorts.NEWEST, 20, null)).block(BOUND);
            log.info("read paths warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("warming up the read paths failed; the first requests will do it: {}", e.toString());
        }
    }
}
