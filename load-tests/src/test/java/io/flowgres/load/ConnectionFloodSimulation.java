package io.flowgres.load;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * The seeds' connection flood (issue #16): thousands of clients, each holding its own keep-alive
 * connection open (no shared pool), each asking for a random pitch by id, then pausing, in a loop,
 * against a service whose database pools hold at most 30 connections per node. The pools cannot
 * serve them all at once; the service must still answer every request, either with the pitch or
 * with a fast {@code 503} and {@code Retry-After} from its admission limit, and drop no connection.
 *
 * <p>A request fails (and the run with it) when it gets no answer (a connection refused, reset or
 * timed out), when its status is neither 200 nor 503, when a 503 has no {@code Retry-After}, or when
 * it is answered after more than the answer bound (1 s by default, none in the CI profile; Gatling's
 * response time includes connecting).
 * After the run the simulation prints the answers by status, the requests with no answer and the
 * slowest answer of each kind, since Gatling's report counts a 503 as a success like a 200.
 *
 * <p>Settings (system properties, all optional): {@code flowgres.flood.baseUrl} (default
 * {@code http://127.0.0.1:8080}), {@code .users} (connections, default 10000), {@code .rampSeconds}
 * (default 60), {@code .holdSeconds} (all connections open, default 30), {@code .pauseMillis} (between
 * a user's requests, default 10000, so 10,000 users send about 1,000 requests/s),
 * {@code .maxIterations} (per user, default 10000), {@code .pitches} (the seeded ids, default 100000),
 * {@code .answerMillis} (default 1000; 0 for no bound).
 */
public final class ConnectionFloodSimulation extends Simulation {

    private static final String PREFIX = "flowgres.flood.";
    private static final String BASE_URL = System.getProperty(PREFIX + "baseUrl", "http://127.0.0.1:8080");
    private static final int USERS = Integer.getInteger(PREFIX + "users", 10_000);
    private static final Duration RAMP = Duration.ofSeconds(Integer.getInteger(PREFIX + "rampSeconds", 60));
    private static final Duration HOLD = Duration.ofSeconds(Integer.getInteger(PREFIX + "holdSeconds", 30));
    private static final Duration PAUSE = Duration.ofMillis(Long.getLong(PREFIX + "pauseMillis", 10_000L));
    private static final int MAX_ITERATIONS = Integer.getInteger(PREFIX + "maxIterations", 10_000);
    private static final long PITCHES = Long.getLong(PREFIX + "pitches", 100_000L);
    private static final int ANSWER_MILLIS = Integer.getInteger(PREFIX + "answerMillis", 1000);

    private static final String STATUS = "status";
    private static final String SENT_AT = "sentAt";

    private final LongAdder answeredOk = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder otherStatus = new LongAdder();
    private final LongAdder noAnswer = new LongAdder();
    private final LongAccumulator slowestOkMillis = new LongAccumulator(Math::max, 0);
    private final LongAccumulator slowestRefusalMillis = new LongAccumulator(Math::max, 0);

    /** When the users stop starting requests: set in {@link #before()}, as the injection starts. */
    private volatile long endNanos = Long.MAX_VALUE;

    /**
     * Each virtual user its own connection (Gatling's default without {@code shareConnections}),
     * kept alive between its requests. Gatling's engine is warmed up on the service's liveness route
     * (by default it warms up on gatling.io, which this machine cannot reach), so that the first
     * requests do not time the client's own class loading.
     */
    private final HttpProtocolBuilder protocol = http.baseUrl(BASE_URL).acceptHeader("application/json")
            .warmUp(BASE_URL + "/actuator/health/liveness");

    /** Sets up the closed model: a ramp to the connections, held open until the hold ends. */
    public ConnectionFloodSimulation() {
        ScenarioBuilder flood = scenario("connection flood")
                .asLongAs(this::goesOn, "iteration").on(
                        exec(session -> session.remove(STATUS).set(SENT_AT, System.nanoTime()))
                                .exec(http("pitch by id (flood)")
                                        .get(session -> "/api/pitches/"
                                                + ThreadLocalRandom.current().nextLong(1, PITCHES + 1))
                                        .check(answerChecks())
                                        // Checks run in order on the session the earlier ones saved to.
                                        .checkIf(session -> session.contains(STATUS) && session.getInt(STATUS) == 503)
                                        .then(header("Retry-After").exists()))
                                .exec(this::count),
                        pause(PAUSE));
        setUp(flood.injectClosed(
                        rampConcurrentUsers(0).to(USERS).during(RAMP),
                        constantConcurrentUsers(USERS).during(HOLD)))
                .protocols(protocol)
                // A safety net only: the loops end on their own deadline, so no request is cut off.
                .maxDuration(RAMP.plus(HOLD).plus(PAUSE).plusSeconds(60))
                .assertions(ANSWER_MILLIS > 0
                        ? List.of(global().failedRequests().count().is(0L),
                                global().responseTime().max().lt(ANSWER_MILLIS))
                        : List.of(global().failedRequests().count().is(0L)));
    }

    /**
     * An answer is a 200, or a 503 (whose {@code Retry-After} is checked after), and, with an answer
     * bound, no slower than it. Without one (0, the CI profile: a build is never failed on a time
     * measured on a shared machine) the slowest answers are still printed.
     */
    private static List<CheckBuilder> answerChecks() {
        List<CheckBuilder> checks = new ArrayList<>(List.of(status().saveAs(STATUS), status().in(200, 503)));
        if (ANSWER_MILLIS > 0) {
            checks.add(responseTimeInMillis().lt(ANSWER_MILLIS));
        }
        return checks;
    }

    /** Starts the run's clock as Gatling starts injecting users. */
    @Override
    public void before() {
        // A second past the injection's end (see HeadlineSimulation.before: no busy loop of users
        // started and ended at once by the closed model).
        endNanos = System.nanoTime() + RAMP.plus(HOLD).plusSeconds(1).toNanos();
    }

    /** Prints the answers by kind and the service's counters of refused work. */
    @Override
    public void after() {
        System.out.printf("Connection flood (%,d connections): %,d answered 200 (slowest %,d ms), %,d answered 503"
                        + " (slowest %,d ms), %,d answered another status, %,d with no answer (connection error or"
                        + " timeout)%n", USERS, answeredOk.sum(), slowestOkMillis.get(), refused.sum(),
                slowestRefusalMillis.get(), otherStatus.sum(), noAnswer.sum());
        ServiceCounters.print(BASE_URL, "the connection flood");
    }

    /** Another request while the run lasts, bounded in count as well as in time. */
    private boolean goesOn(Session session) {
        return session.getInt("iteration") < MAX_ITERATIONS && System.nanoTime() < endNanos;
    }

    /**
     * Counts the answer by kind. The elapsed time is taken around Gatling's request action, so it
     * is close to (never below) Gatling's own response time.
     */
    private Session count(Session session) {
        long millis = (System.nanoTime() - session.getLong(SENT_AT)) / 1_000_000;
        if (!session.contains(STATUS)) {
            noAnswer.increment();
        } else if (session.getInt(STATUS) == 200) {
            answeredOk.increment();
            slowestOkMillis.accumulate(millis);
        } else if (session.getInt(STATUS) == 503) {
            refused.increment();
            slowestRefusalMillis.accumulate(millis);
        } else {
            otherStatus.increment();
        }
        return session;
    }
}
