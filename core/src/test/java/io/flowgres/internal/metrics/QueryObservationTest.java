package io.flowgres.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import java.util.concurrent.atomic.AtomicInteger;

import io.flowgres.internal.node.NodeRole;
import io.flowgres.metrics.SlowQueryLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.junit.jupiter.api.Test;

/**
 * The observation of one attempt as its recorder drives it: started with the attempt's keys, stopped
 * once with its outcome and reason, a child of the caller's observation, absent without a registry,
 * and never a failure of the attempt. The pipeline's wiring (which node, retries, the Reactor
 * context) runs on a real cluster in it-tests' {@code ObservationIT}.
 */
final class QueryObservationTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final QueryMetrics metrics = new QueryMetrics(meters, SlowQueryLog.defaults(), observations);

    @Test
    void aSuccessfulAttemptIsOneStoppedObservationWithItsKeys() {
        QueryMetrics.Attempt attempt = metrics.startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA, "read",
                null);

        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasBeenStarted()
                .isNotStopped();

        attempt.success();

        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasNameEqualTo("flowgres.query.attempt")
                .hasContextualNameEqualTo("flowgres pitches.titles")
                .hasLowCardinalityKeyValue("flowgres.query", "pitches.titles")
                .hasLowCardinalityKeyValue("flowgres.node", "replica-1")
                .hasLowCardinalityKeyValue("flowgres.role", "replica")
                .hasLowCardinalityKeyValue("flowgres.kind", "read")
                .hasLowCardinalityKeyValue("flowgres.outcome", "success")
                .hasLowCardinalityKeyValue("flowgres.reason", "none")
                .doesNotHaveError()
                .doesNotHaveParentObservation()
                .hasBeenStopped();
        assertThat(meters.get(QueryMetrics.QUERY_TIMER).tag("outcome", "success").timer().count()).isOne();
    }

    @Test
    void aFailedAttemptCarriesItsErrorAndTheReasonOfItsErrorCount() {
        R2dbcRollbackException conflict = new R2dbcRollbackException("could not serialize access", "40001");

        metrics.startAttempt("orders.place", "primary", NodeRole.PRIMARY, "transaction", null).failed(conflict);

        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasLowCardinalityKeyValue("flowgres.role", "primary")
                .hasLowCardinalityKeyValue("flowgres.kind", "transaction")
                .hasLowCardinalityKeyValue("flowgres.outcome", "error")
                .hasLowCardinalityKeyValue("flowgres.reason", "rollback")
                .hasError(conflict)
                .hasBeenStopped();
        assertThat(meters.get(QueryMetrics.ERROR_COUNTER).tag("reason", "rollback").counter().count()).isOne();
    }

    @Test
    void aConnectionFailureIsReportedWithItsReason() {
        metrics.startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA, "read", null)
                .failed(new R2dbcTransientResourceException("connection lost"));

        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasLowCardinalityKeyValue("flowgres.outcome", "error")
                .hasLowCardinalityKeyValue("flowgres.reason", "connection");
    }

    @Test
    void anAttemptIsStoppedOnceWhateverSignalsFollowItsFirstOutcome() {
        AtomicInteger stops = new AtomicInteger();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                stops.incrementAndGet();
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        QueryMetrics.Attempt attempt = metrics.startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA, "read",
                null);

        attempt.cancelled();
        attempt.failed(new R2dbcTransientResourceException("connection lost"));
        attempt.success();

        assertThat(stops).as("times the observation stopped").hasValue(1);
        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasLowCardinalityKeyValue("flowgres.outcome", "cancelled")
                .hasLowCardinalityKeyValue("flowgres.reason", "none")
                .doesNotHaveError();
        assertThat(meters.find(QueryMetrics.ERROR_COUNTER).counter()).as("errors counted after the outcome").isNull();
    }

    @Test
    void eachAttemptIsItsOwnObservationUnderTheCallersObservation() {
        Observation request = Observation.start("http.server.requests", observations);

        metrics.startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA, "read", request)
                .failed(new R2dbcTransientResourceException("connection lost"));
        metrics.startAttempt("pitches.titles", "primary", NodeRole.PRIMARY, "read", request).success();
        request.stop();

        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("flowgres.query.attempt", 2)
                .forAllObservationsWithNameEqualTo("flowgres.query.attempt",
                        attempt -> attempt.hasParentObservationEqualTo(request))
                .hasAnObservation(attempt -> attempt.hasNameEqualTo("flowgres.query.attempt")
                        .hasLowCardinalityKeyValue("flowgres.node", "replica-1")
                        .hasLowCardinalityKeyValue("flowgres.outcome", "error"))
                .hasAnObservation(attempt -> attempt.hasNameEqualTo("flowgres.query.attempt")
                        .hasLowCardinalityKeyValue("flowgres.node", "primary")
                        .hasLowCardinalityKeyValue("flowgres.outcome", "success"));
    }

    @Test
    void withoutARegistryNothingIsObservedAndMetricsStillAre() {
        QueryMetrics unobserved = new QueryMetrics(meters);

        QueryMetrics.Attempt attempt = unobserved.startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA,
                "read", null);
        attempt.success();

        assertThat(attempt.observation().isNoop()).isTrue();
        assertThat(meters.get(QueryMetrics.QUERY_TIMER).tag("outcome", "success").timer().count()).isOne();
    }

    @Test
    void aFailingHandlerNeverFailsTheAttempt() {
        ObservationRegistry broken = ObservationRegistry.create();
        broken.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                throw new IllegalStateException("handler failed on start");
            }

            @Override
            public void onStop(Observation.Context context) {
                throw new IllegalStateException("handler failed on stop");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        QueryMetrics brokenMetrics = new QueryMetrics(meters, SlowQueryLog.defaults(), broken);

        assertThatNoException().isThrownBy(() -> brokenMetrics
                .startAttempt("pitches.titles", "replica-1", NodeRole.REPLICA, "read", null).success());
        assertThat(meters.get(QueryMetrics.QUERY_TIMER).tag("outcome", "success").timer().count()).isOne();
    }
}
