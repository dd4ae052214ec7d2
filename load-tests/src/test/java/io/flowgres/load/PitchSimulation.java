package io.flowgres.load;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * The reference service under a bounded open-model load: pitches by id (random over the seeded
 * range), browse sessions that follow the keyset cursor for a few pages, and writers that create a
 * batch of ten pitches and read the first back at once with the batch's consistency token (a read
 * your own writes round trip while replicas replay the other writers' inserts).
 *
 * <p>Settings (system properties): {@code flowgres.load.baseUrl} (default
 * {@code http://127.0.0.1:8080}), {@code flowgres.load.usersPerSec} (default 40),
 * {@code flowgres.load.seconds} (default 30), {@code flowgres.load.maxId} (default 100000),
 * {@code flowgres.load.p99Millis} (default 1000). Writers arrive at a tenth of the readers' rate. The
 * run fails when p99 exceeds the bound or more than 1 % of requests fail (a read of one's own write
 * that is not found fails).
 */
public final class PitchSimulation extends Simulation {

    private static final String BASE_URL = System.getProperty("flowgres.load.baseUrl", "http://127.0.0.1:8080");
    private static final double USERS_PER_SEC = Double.parseDouble(System.getProperty("flowgres.load.usersPerSec",
            "40"));
    private static final int SECONDS = Integer.getInteger("flowgres.load.seconds", 30);
    private static final long MAX_ID = Long.getLong("flowgres.load.maxId", 100_000L);
    private static final int P99_MILLIS = Integer.getInteger("flowgres.load.p99Millis", 1000);

    private static final Iterator<Map<String, Object>> IDS = Stream
            .generate(() -> Map.<String, Object>of("id", ThreadLocalRandom.current().nextLong(1, MAX_ID + 1)))
            .iterator();
    private static final Iterator<Map<String, Object>> GENRES = Stream
            .generate(() -> Map.<String, Object>of("genre", new String[] {"drama", "comedy", "thriller", "horror",
                "scifi", "documentary", "animation", "romance"}[ThreadLocalRandom.current().nextInt(8)]))
            .iterator();

    private final HttpProtocolBuilder protocol = http.baseUrl(BASE_URL).acceptHeader("application/json")
            .shareConnections();

    private final ScenarioBuilder byId = scenario("pitch by id")
            .feed(IDS)
            .exec(http("GET /api/pitches/{id}").get("/api/pitches/#{id}").check(status().is(200)));

    private final ScenarioBuilder browse = scenario("browse three pages")
            .feed(GENRES)
            .exec(http("GET /api/pitches (first page)").get("/api/pitches?genre=#{genre}&limit=24")
                    .check(status().is(200), jsonPath("$.nextCursor").saveAs("cursor")))
            .repeat(2).on(exec(http("GET /api/pitches (next page)")
                    .get(session -> "/api/pitches?genre=" + session.getString("genre") + "&limit=24&cursor="
                            + session.getString("cursor"))
                    .check(status().is(200), jsonPath("$.nextCursor").saveAs("cursor"))));

    private final ScenarioBuilder batchThenRead = scenario("batch insert, then read your write")
            .exec(http("POST /api/pitches/batch (10)").post("/api/pitches/batch")
                    .header("Content-Type", "application/json")
                    .body(StringBody(session -> batchOfTen()))
                    .check(status().is(201), header("Flowgres-Consistency").saveAs("token"),
                            jsonPath("$[0].id").saveAs("firstId")))
            .exec(http("GET /api/pitches/{id} (own write, with token)").get("/api/pitches/#{firstId}")
                    .header("Flowgres-Consistency", "#{token}")
                    .check(status().is(200)));

    private static String batchOfTen() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            long owner = ThreadLocalRandom.current().nextLong(1, 101);
            json.append(i == 0 ? "" : ",").append("{\"ownerId\":").append(owner)
                    .append(",\"title\":\"Load pitch\",\"logline\":\"Written by the load test\",")
                    .append("\"genre\":\"drama\",\"format\":\"short\",\"productionStage\":\"idea\"}");
        }
        return json.append(']').toString();
    }

    /** Sets up the three scenarios with a short ramp, then a constant arrival rate, bounded in time. */
    public PitchSimulation() {
        Duration ramp = Duration.ofSeconds(Math.min(5, SECONDS));
        Duration steady = Duration.ofSeconds(SECONDS);
        setUp(
                byId.injectOpen(rampUsersPerSec(1).to(USERS_PER_SEC).during(ramp),
                        constantUsersPerSec(USERS_PER_SEC).during(steady)),
                browse.injectOpen(rampUsersPerSec(1).to(USERS_PER_SEC / 4).during(ramp),
                        constantUsersPerSec(USERS_PER_SEC / 4).during(steady)),
                batchThenRead.injectOpen(rampUsersPerSec(1).to(USERS_PER_SEC / 10).during(ramp),
                        constantUsersPerSec(USERS_PER_SEC / 10).during(steady)))
                .protocols(protocol)
                .maxDuration(steady.plus(ramp).plusSeconds(30))
                .assertions(
                        global().responseTime().percentile(99.0).lt(P99_MILLIS),
                        global().failedRequests().percent().lt(1.0));
    }
}
