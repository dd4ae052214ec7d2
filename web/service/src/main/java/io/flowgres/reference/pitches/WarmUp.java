package io.flowgres.reference.pitches;

import java.time.Duration;

import io.flowgres.cache.QueryCache;
import io.flowgres.metrics.SlowQueryLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;
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
 *
 * <p>Those first runs are slow by construction (class loading, the JIT, a statement's first use), not by
 * the database: they neither warn in the slow-query log (quieted while they run) nor stay in the
 * slow-query report (reset after them), which are there for the service's traffic.
 *
 * <p>What they cached is dropped after them: the demo data is seeded outside the cache's invalidations,
 * so a warm-up read on a replica that had not yet replayed the seed would keep "no such pitch" cached
 * until that pitch's next write. Fills after the clear wait for a probe round begun since, whose writer
 * position includes the seed.
 */
public final class WarmUp {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static final String SLOW_QUERY_LOG = SlowQueryLog.class.getName();

    private final PitchStore pitches;
    private final UserStore users;
    private final SlowQueryLog slowQueries;
    private final QueryCache cache;
    private final LoggingSystem logging;

    /**
     * Creates the warm-up.
     *
     * @param pitches the pitch store
     * @param users the user store
     * @param slowQueries the slow-query report, reset after the warm-up
     * @param cache the query cache, cleared after the warm-up
     * @param logging sets the slow-query log's level while the warm-up runs
     */
    public WarmUp(PitchStore pitches, UserStore users, SlowQueryLog slowQueries, QueryCache cache,
            LoggingSystem logging) {
        this.pitches = pitches;
        this.users = users;
        this.slowQueries = slowQueries;
        this.cache = cache;
        this.logging = logging;
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
        LoggerConfiguration configured = logging.getLoggerConfiguration(SLOW_QUERY_LOG);
        logging.setLogLevel(SLOW_QUERY_LOG, LogLevel.ERROR);
        try {
            // Side by side: each path's first run mostly waits (a connection's start, a prepared statement),
            // so together they take about as long as the slowest alone (issue #16: start-up).
            Mono.when(pitches.findJsonById(1, null), users.findWithPitches(1),
                    pitches.browse(PitchFilter.none(), PitchSorts.NEWEST, 20, null)).block(BOUND);
            log.info("read paths warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("warming up the read paths failed; the first requests will do it: {}", e.toString());
        } finally {
            // Back to what the configuration says (null: inherited from the parent logger).
            logging.setLogLevel(SLOW_QUERY_LOG, configured == null ? null : configured.getConfiguredLevel());
            slowQueries.reset();
            cache.clearAll();
        }
    }
}
