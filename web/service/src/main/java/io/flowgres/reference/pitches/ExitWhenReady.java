package io.flowgres.reference.pitches;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Shuts the service down as soon as it is ready, with {@code reference.exit-when-ready=true}: the
 * build's class-data-sharing training run ({@code web/service/pom.xml}) starts it that way, so that
 * the JVM's archive holds every class the start-up and the {@link WarmUp}'s read paths load, and the
 * embedded cluster is stopped as on any shutdown. (Spring's own {@code spring.context.exit=onRefresh}
 * halts the JVM without running shutdown hooks, which would leave the cluster's servers running.)
 */
public final class ExitWhenReady {

    private static final Logger log = LoggerFactory.getLogger(ExitWhenReady.class);

    /** Creates the listener. */
    public ExitWhenReady() {
    }

    /**
     * Closes the context (stopping the embedded cluster with it) and exits with its exit code; runs
     * after every other listener of the event, the warm-up included.
     *
     * @param ready the event
     */
    @EventListener
    @Order(Ordered.LOWEST_PRECEDENCE)
    public void onReady(ApplicationReadyEvent ready) {
        log.info("reference.exit-when-ready is set: shutting down");
        System.exit(SpringApplication.exit(ready.getApplicationContext()));
    }
}
