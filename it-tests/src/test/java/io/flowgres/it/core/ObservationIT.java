package io.flowgres.it.core;

import static io.flowgres.it.Sql.execute;
import static io.flowgres.it.Sql.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.flowgres.Flowgres;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * One Micrometer Observation per attempt, on a real primary and replica: a read is one observation
 * on the replica, a read retried after a server error is two (the error, then the success), a write
 * and a transaction are one each on the primary, a hedge is an observation of its own, each is a
 * child of the caller's observation and the parent of its work, and a facade without a registry
 * works as before. Each test asserts on the observations of its own query name; adaptive hedging is
 * off, so that no read is hedged unless a test asks.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ObservationIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final PostgresCluster cluster;
    private final StoppedObservations stopped = new StoppedObservations();
    private final ObservationRegistry observations = ObservationRegistry.create();
    private Flowgres flowgres;

    ObservationIT(PostgresCluster cluster) {
        this.cluster = cluster;
        observations.observationConfig().observationHandler(stopped);
    }

    @BeforeAll
    void start() {
        flowgres = observed(null);
        flowgres.write(Query.named("observed.setup"), connection -> execute(connection,
                        "CREATE TABLE observed_row (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)"))
                .blockLast(WAIT);
        cluster.awaitReplication(SETTLE);
        Await.everyNodeUp(flowgres, SETTLE);
    }

    @AfterAll
    void stop() {
        if (flowgres != null) {
            flowgres.close();
        }
    }

    @Test
    void aReadIsOneObservationOnTheReplica() {
        assertThat(flowgres.read(Query.named("observed.read"),
                        connection -> strings(connection, "SELECT pg_is_in_recovery()::text"))
                .collectList().block(WAIT)).containsExactly("true");

        List<Observation.Context> attempts = stopped.of("observed.read");
        assertThat(attempts).hasSize(1);
        Observation.Context attempt = attempts.get(0);
        assertThat(attempt.getName()).isEqualTo("flowgres.query.attempt");
        assertThat(attempt.getContextualName()).isEqualTo("flowgres observed.read");
        assertThat(attempt.getLowCardinalityKeyValues()).containsExactlyInAnyOrder(
                KeyValue.of("flowgres.query", "observed.read"),
                KeyValue.of("flowgres.node", "replica-1"),
                KeyValue.of("flowgres.role", "replica"),
                KeyValue.of("flowgres.kind", "read"),
                KeyValue.of("flowgres.outcome", "success"),
                KeyValue.of("flowgres.reason", "none"));
        assertThat(attempt.getError()).isNull();
    }

    @Test
    void aReadRetriedAfterAServerErrorIsTwoObservations() {
        AtomicInteger runs = new AtomicInteger();
        // The first attempt fails on the server with a serialization failure (40001), which a read
        // retries; the second answers. DO runs on a hot standby: it writes nothing.
        assertThat(flowgres.read(Query.named("observed.retried"), connection -> runs.incrementAndGet() == 1
                        ? strings(connection, "DO $$ BEGIN RAISE EXCEPTION 'first try conflicts' "
                                + "USING ERRCODE = '40001'; END $$")
                        : strings(connection, "SELECT 'second'"))
                .collectList().block(WAIT)).containsExactly("second");

        assertThat(runs).as("attempts that ran").hasValue(2);
        List<Observation.Context> attempts = stopped.of("observed.retried");
        assertThat(attempts).extracting(attempt -> value(attempt, "flowgres.outcome"))
                .containsExactly("error", "success");
        Observation.Context failed = attempts.get(0);
        assertThat(value(failed, "flowgres.reason")).isEqualTo("rollback");
        assertThat(value(failed, "flowgres.kind")).isEqualTo("read");
        assertThat(failed.getError()).isInstanceOfSatisfying(R2dbcException.class,
                error -> assertThat(error.getSqlState()).isEqualTo("40001"));
        Observation.Context answered = attempts.get(1);
        assertThat(value(answered, "flowgres.reason")).isEqualTo("none");
        assertThat(answered.getError()).isNull();
    }

    @Test
    void aWriteAndATransactionAreOneObservationEachOnThePrimary() {
        flowgres.write(Query.named("observed.write"), connection -> execute(connection,
                "INSERT INTO observed_row (note) VALUES ('write')")).blockLast(WAIT);
        flowgres.transaction(Query.named("observed.transaction"), connection -> execute(connection,
                "INSERT INTO observed_row (note) VALUES ('transaction')")).blockLast(WAIT);

        assertThat(stopped.of("observed.write")).singleElement().satisfies(attempt -> {
            assertThat(value(attempt, "flowgres.node")).isEqualTo("primary");
            assertThat(value(attempt, "flowgres.role")).isEqualTo("primary");
            assertThat(value(attempt, "flowgres.kind")).isEqualTo("write");
            assertThat(value(attempt, "flowgres.outcome")).isEqualTo("success");
        });
        assertThat(stopped.of("observed.transaction")).singleElement().satisfies(attempt -> {
            assertThat(value(attempt, "flowgres.role")).isEqualTo("primary");
            assertThat(value(attempt, "flowgres.kind")).isEqualTo("transaction");
            assertThat(value(attempt, "flowgres.outcome")).isEqualTo("success");
        });
    }

    @Test
    void anAttemptIsAChildOfTheCallersObservationAndTheParentOfItsWork() {
        Observation request = Observation.start("test.request", observations);
        AtomicReference<@Nullable Object> seenByWork = new AtomicReference<>();

        flowgres.read(Query.named("observed.nested"), connection -> Flux.deferContextual(context -> {
                    seenByWork.set(context.getOrDefault(ObservationThreadLocalAccessor.KEY, null));
                    return strings(connection, "SELECT 1");
                }))
                .contextWrite(Context.of(ObservationThreadLocalAccessor.KEY, request))
                .blockLast(WAIT);
        request.stop();

        Observation.Context attempt = stopped.of("observed.nested").get(0);
        assertThat(attempt.getParentObservation()).as("the attempt's parent").isSameAs(request);
        assertThat(seenByWork.get()).as("the observation in the work's context")
                .isInstanceOfSatisfying(Observation.class, seen -> assertThat(seen.getContext()).isSameAs(attempt));
    }

    @Test
    void aHedgeIsAnObservationOfItsOwnUnderTheSameParent() {
        try (Flowgres hedged = observed(Duration.ofMillis(100))) {
            Await.everyNodeUp(hedged, SETTLE);
            Observation request = Observation.start("test.request", observations);
            // Slow on the replica only: the hedge on the primary answers first; the first attempt is not
            // cancelled but runs to its end, and both stop with their own outcome.
            assertThat(hedged.read(Query.named("observed.hedged"), connection -> strings(connection,
                            "SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT 'replica' FROM pg_sleep(1)) "
                                    + "ELSE 'primary' END"))
                    .contextWrite(Context.of(ObservationThreadLocalAccessor.KEY, request))
                    .collectList().block(WAIT)).containsExactly("primary");
            request.stop();

            Await.until("both attempts stopped", () -> stopped.of("observed.hedged").size() == 2, WAIT);
            List<Observation.Context> attempts = stopped.of("observed.hedged");
            assertThat(attempts)
                    .extracting(attempt -> value(attempt, "flowgres.node") + " " + value(attempt, "flowgres.role")
                            + " " + value(attempt, "flowgres.outcome"))
                    .containsExactly("primary primary success", "replica-1 replica success");
            assertThat(attempts).allSatisfy(attempt -> assertThat(attempt.getParentObservation())
                    .as("the parent of %s", value(attempt, "flowgres.node")).isSameAs(request));
        }
    }

    @Test
    void withoutARegistryNothingBreaks() {
        try (Flowgres plain = Flowgres.create(cluster.clusterConfig().pool(PoolPolicy.test())
                .availability(AvailabilityPolicy.builder().adaptiveHedging(false).build()).build())) {
            assertThat(plain.read(Query.named("unobserved.read"), connection -> strings(connection, "SELECT 'plain'"))
                    .collectList().block(WAIT)).containsExactly("plain");
            assertThat(plain.meterRegistry().get("flowgres.query").tag("query", "unobserved.read").timer().count())
                    .as("attempts timed").isOne();
        }
        assertThat(stopped.of("unobserved.read")).isEmpty();
    }

    /** A facade observed by this test's registry; no adaptive hedging, a fixed hedge when given. */
    private Flowgres observed(@Nullable Duration hedgeAfter) {
        return Flowgres.builder(cluster.clusterConfig().pool(PoolPolicy.test())
                        .routing(RoutingPolicy.builder().hedgeAfter(hedgeAfter).build())
                        // No liveness checks on a replica that sleeps on purpose.
                        .availability(AvailabilityPolicy.builder().adaptiveHedging(false)
                                .silence(Duration.ofMinutes(1), Duration.ofMinutes(1)).build())
                        .build())
                .observationRegistry(observations)
                .build();
    }

    private static @Nullable String value(Observation.Context context, String key) {
        KeyValue keyValue = context.getLowCardinalityKeyValue(key);
        return keyValue == null ? null : keyValue.getValue();
    }

    /** Keeps every stopped observation, in the order they stopped. */
    private static final class StoppedObservations implements ObservationHandler<Observation.Context> {

        private final List<Observation.Context> contexts = new CopyOnWriteArrayList<>();

        @Override
        public void onStop(Observation.Context context) {
            contexts.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        /** The stopped attempts of a query. */
        List<Observation.Context> of(String query) {
            return contexts.stream().filter(context -> query.equals(value(context, "flowgres.query"))).toList();
        }
    }
}
