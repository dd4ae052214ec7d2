package io.flowgres.internal.metrics;

import java.util.concurrent.atomic.AtomicBoolean;

import io.flowgres.internal.SqlStates;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Micrometer {@link Observation} of one query attempt on one node: {@value #NAME}, contextually
 * named {@code flowgres <query>}, with low-cardinality keys {@value #QUERY}, {@value #NODE},
 * {@value #ROLE} and {@value #KIND} from its start, and {@value #OUTCOME} ({@code success},
 * {@code error}, {@code cancelled}) and {@value #REASON} (the {@linkplain SqlStates#reason reason} of an
 * error, else {@code none}) from its stop, so that every stopped observation has the same keys (a meter
 * handler's tags). What the application's handlers make of it (a timer, a span) is theirs; a handler
 * that throws never fails the attempt.
 */
final class QueryObservation {

    /** The observation's name. */
    static final String NAME = "flowgres.query.attempt";
    static final String QUERY = "flowgres.query";
    static final String NODE = "flowgres.node";
    static final String ROLE = "flowgres.role";
    static final String KIND = "flowgres.kind";
    static final String OUTCOME = "flowgres.outcome";
    static final String REASON = "flowgres.reason";

    private static final Logger log = LoggerFactory.getLogger(QueryObservation.class);
    private static final AtomicBoolean warned = new AtomicBoolean();

    private QueryObservation() {
    }

    /**
     * Starts the observation of an attempt; {@link Observation#NOOP} when nobody observes.
     *
     * @param registry the application's registry ({@link ObservationRegistry#NOOP} by default)
     * @param query the query name
     * @param node the node's name
     * @param role the node's role, lower case
     * @param kind the operation's kind, lower case
     * @param parent the caller's observation, or {@code null} for the registry's current one
     * @return the started observation
     */
    static Observation start(ObservationRegistry registry, String query, String node, String role, String kind,
            @Nullable Observation parent) {
        if (registry.isNoop()) {
            return Observation.NOOP;
        }
        try {
            Observation observation = Observation.createNotStarted(NAME, Observation.Context::new, registry)
                    .contextualName("flowgres " + query)
                    .lowCardinalityKeyValue(QUERY, query)
                    .lowCardinalityKeyValue(NODE, node)
                    .lowCardinalityKeyValue(ROLE, role)
                    .lowCardinalityKeyValue(KIND, kind);
            if (parent != null) {
                observation.parentObservation(parent);
            }
            return observation.start();
        } catch (RuntimeException e) {
            warn(e);
            return Observation.NOOP;
        }
    }

    /**
     * Stops the observation with the attempt's outcome; called once per attempt.
     *
     * @param observation the attempt's observation
     * @param outcome {@code success}, {@code error} or {@code cancelled}
     * @param error what the attempt failed with, or {@code null}
     */
    static void stop(Observation observation, String outcome, @Nullable Throwable error) {
        if (observation.isNoop()) {
            return;
        }
        try {
            observation.lowCardinalityKeyValue(OUTCOME, outcome)
                    .lowCardinalityKeyValue(REASON, error == null ? "none" : SqlStates.reason(error));
            if (error != null) {
                observation.error(error);
            }
            observation.stop();
        } catch (RuntimeException e) {
            warn(e);
        }
    }

    private static void warn(RuntimeException e) {
        // Observability never fails the work it observes.
        if (warned.compareAndSet(false, true)) {
            log.warn("An observation handler failed on {}; the work is unaffected", NAME, e);
        }
    }
}
