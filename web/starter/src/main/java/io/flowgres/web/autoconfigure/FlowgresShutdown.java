package io.flowgres.web.autoconfigure;

import java.time.Duration;

import io.flowgres.Flowgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;

/**
 * The database's part of a graceful shutdown. On {@code SIGTERM} Spring Boot first marks the
 * application as refusing traffic (readiness goes down), then the web server stops accepting
 * requests and lets running ones finish ({@code server.shutdown=graceful}, bounded by
 * {@code spring.lifecycle.timeout-per-shutdown-phase}). This step runs after that, in a later
 * phase: it waits up to {@code flowgres.shutdown.timeout} for operations still running on any node
 * (work not tied to a request) and only then lets the context close the pools. A transaction still
 * open when the bound passes is rolled back by PostgreSQL when its connection closes, never left
 * half-applied.
 */
public final class FlowgresShutdown implements SmartLifecycle {

    /** Stops after the web server (whose phases are {@code DEFAULT_PHASE - 1024} and {@code - 2048}). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(FlowgresShutdown.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private final Flowgres flowgres;
    private final Duration timeout;
    private volatile boolean running;

    /**
     * Creates the step.
     *
     * @param flowgres the facade whose nodes to wait for
     * @param timeout the bound on the wait
     */
    public FlowgresShutdown(Flowgres flowgres, Duration timeout) {
        this.flowgres = flowgres;
        this.timeout = checkTimeout(timeout);
    }

    static Duration checkTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("must not be negative, was " + timeout);
        }
        return timeout;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        int busy = inFlight();
        if (busy == 0) {
            return;
        }
        log.info("Shutdown: waiting up to {} for {} running database operation(s)", timeout, busy);
        // Runs on the thread closing the context, never on an event loop, so waiting here is fine.
        Boolean idle = Flux.interval(Duration.ZERO, POLL)
                .map(tick -> inFlight() == 0)
                .filter(Boolean::booleanValue)
                .next()
                .timeout(timeout, reactor.core.publisher.Mono.just(false))
                .block();
        if (Boolean.TRUE.equals(idle)) {
            log.info("Shutdown: database operations finished; closing pools");
        } else {
            log.warn("Shutdown: {} database operation(s) still running after {}; closing pools (open transactions "
                    + "roll back)", inFlight(), timeout);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private int inFlight() {
        return flowgres.topology().inFlight();
    }
}
