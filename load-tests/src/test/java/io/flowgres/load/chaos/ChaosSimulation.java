package io.flowgres.load.chaos;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.flowgres.local.LoopbackPorts;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * The chaos simulation of issue #11: the reference service, through HTTP, under a mix of reads by
 * id, browse pages, writes and reads of one's own writes, in closed and open models, while a fault
 * scheduler freezes, kills, restarts, lags and promotes nodes of the local cluster it runs on.
 *
 * <p>{@link #before()} starts a local cluster (a primary and two streaming replicas) and the service
 * on it in this JVM ({@link ChaosService}); the first request starts the fault scheduler, which moves
 * through the plan's phases ({@link ChaosPlan}) in step with the injection; each request's outcome
 * (phase, latency, status, problem, title) is recorded as it comes. {@link #after()} audits every
 * write's title in the database, prints per phase p50/p99/p99.9/max, failed requests by status,
 * acknowledged writes lost and duplicated, failed writes that were applied anyway and stale reads of
 * one's own writes, judges the goals, writes the report and the verdict under the output
 * directory, and stops the service and every server. Gatling's own report is written as usual.
 *
 * <p>Settings (system properties): {@code flowgres.chaos.plan} ({@code ci}, the default, or
 * {@code full}), {@code flowgres.chaos.rate} (the open model's iterations per second, default 100),
 * {@code flowgres.chaos.phaseSeconds} (the full plan's phase length, default 15),
 * {@code flowgres.chaos.cache} (the service's query cache, default {@code false}, as the issue measures),
 * {@code flowgres.chaos.serviceArgs} (extra space-separated {@code --name=value} settings for the service),
 * {@code flowgres.chaos.out} (default {@code target/chaos}).
 */
public final class ChaosSimulation extends Simulation {

    private static final String PHASE = "chaosPhase";
    private static final String SENT = "chaosSent";
    private static final String STATUS = "chaosStatus";
    private static final String BODY_TITLE = "chaosBodyTitle";
    private static final String RETRY_AFTER = "chaosRetryAfter";
    private static final String TITLE = "chaosTitle";
    private static final String TOKEN = "chaosToken";
    private static final String PITCH_ID = "chaosPitchId";
    private static final String CURSOR = "chaosCursor";
    private static final String GENRE = "chaosGenre";
    private static final String CONSISTENCY = "Flowgres-Consistency";
    /** The position of a writer-only token (ConsistencyToken.writerOnly()), before its signature. */
    private static final String WRITER_ONLY_POSITION = "7FFFFFFF/FFFFFFFF";
    private static final String[] GENRES = {"drama", "comedy", "thriller", "horror", "scifi", "documentary",
        "animation", "romance"};

    private final ChaosPlan plan = ChaosPlan.named(System.getProperty("flowgres.chaos.plan", ChaosPlan.CI),
            Double.parseDouble(System.getProperty("flowgres.chaos.rate", "100")),
            Integer.getInteger("flowgres.chaos.phaseSeconds", 15));
    private final Path out = Path.of(System.getProperty("flowgres.chaos.out", "target/chaos"));
    private final int port = LoopbackPorts.free();
    private volatile ChaosRun run;

    /** Sets up one scenario per run of phases under the same load model, each from its offset. */
    public ChaosSimulation() {
        ChainBuilder iteration = randomSwitch().on(
                percent(45.0).then(byId()),
                percent(25.0).then(browse()),
                percent(15.0).then(write(false)),
                percent(15.0).then(write(true)));
        List<PopulationBuilder> populations = new ArrayList<>();
        for (ChaosPlan.Segment segment : plan.segments()) {
            ScenarioBuilder scenario = scenario(String.format("phases %d-%d, %s", segment.firstPhase(),
                    segment.lastPhase(), segment.load().label())).exec(iteration);
            LoadModel load = segment.load();
            populations.add(load.closed()
                    ? scenario.injectClosed(constantConcurrentUsers(0).during(segment.offset()),
                            constantConcurrentUsers(load.users()).during(segment.duration()))
                    : scenario.injectOpen(nothingFor(segment.offset()),
                            constantUsersPerSec(load.perSecond()).during(segment.duration())));
        }
        setUp(populations)
                .protocols(http.baseUrl("http://127.0.0.1:" + port).acceptHeader("application/json")
                        .shareConnections().disableWarmUp().disableCaching())
                .maxDuration(plan.total().plusSeconds(60));
    }

    /** Starts the local cluster and the service on it; the fault scheduler waits for the first request. */
    @Override
    public void before() {
        System.out.printf("Chaos plan '%s': %d phases, %d s of load; starting a cluster and the service on "
                + "127.0.0.1:%d%n", plan.name(), plan.phases().size(), plan.total().toSeconds(), port);
        try {
            // A verdict left by an earlier run must not pass for this one's.
            Files.deleteIfExists(out.resolve("verdict-" + plan.name() + ".txt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the last verdict under " + out, e);
        }
        run = ChaosRun.start(plan, port, out, Boolean.getBoolean("flowgres.chaos.cache"));
    }

    /**
     * Audits the writes, prints and writes the report and the verdict, and stops the service and every
     * server, whatever happened.
     */
    @Override
    public void after() {
        try (ChaosRun finished = run) {
            finished.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while finishing the chaos run", e);
        }
    }

    private ChainBuilder byId() {
        return measured(Outcome.Kind.BY_ID, http("GET /api/pitches/{id}")
                .get(session -> "/api/pitches/" + ThreadLocalRandom.current().nextLong(1, plan.pitches() + 1))
                .check(answer(200)));
    }

    private ChainBuilder browse() {
        return exec(session -> session.remove(CURSOR).set(GENRE, ThreadLocalRandom.current().nextBoolean()
                ? "&genre=" + GENRES[ThreadLocalRandom.current().nextInt(GENRES.length)] : ""))
                .exec(measured(Outcome.Kind.BROWSE, http("GET /api/pitches (first page)")
                        .get(session -> "/api/pitches?limit=24" + session.getString(GENRE))
                        .check(answer(200, jsonPath("$.nextCursor").optional().saveAs(CURSOR)))))
                .doIf(session -> session.contains(CURSOR) && !session.getString(CURSOR).isEmpty()
                        && !"null".equals(session.getString(CURSOR)))
                .then(measured(Outcome.Kind.BROWSE, http("GET /api/pitches (next page)")
                        .get(session -> "/api/pitches?limit=24" + session.getString(GENRE) + "&cursor="
                                + URLEncoder.encode(session.getString(CURSOR), StandardCharsets.UTF_8))
                        .check(answer(200))));
    }

    private ChainBuilder write(boolean thenRead) {
        ChainBuilder write = exec(session -> session.remove(PITCH_ID).remove(TOKEN).set(TITLE, run.nextTitle()))
                .exec(measured(Outcome.Kind.WRITE, http("POST /api/pitches")
                        .post("/api/pitches")
                        .header("Content-Type", "application/json")
                        .body(StringBody(session -> pitch(session.getString(TITLE))))
                        .check(answer(201, header(CONSISTENCY).optional().saveAs(TOKEN),
                                jsonPath("$.id").optional().saveAs(PITCH_ID)))));
        if (!thenRead) {
            return write;
        }
        return write.doIf(session -> session.contains(PITCH_ID) && statusOf(session) == 201)
                .then(exec(session -> session.contains(TOKEN) ? session : session.set(TOKEN, ""))
                        .exec(measured(Outcome.Kind.OWN_READ, http("GET /api/pitches/{id} (own write, with its token)")
                                .get(session -> "/api/pitches/" + session.get(PITCH_ID))
                                .header(CONSISTENCY, session -> session.getString(TOKEN))
                                .check(answer(200)))));
    }

    /**
     * The checks of every request: save the status first (so that it is known whatever else fails),
     * the body's {@code title} (a pitch's, or a problem's), the {@code Retry-After} header, any
     * further extraction, and last the expected status, which is what Gatling's report counts.
     */
    private static CheckBuilder[] answer(int expected, CheckBuilder... more) {
        List<CheckBuilder> checks = new ArrayList<>(List.of(status().saveAs(STATUS),
                jsonPath("$.title").optional().saveAs(BODY_TITLE),
                header("Retry-After").optional().saveAs(RETRY_AFTER)));
        checks.addAll(List.of(more));
        checks.add(status().is(expected));
        return checks.toArray(CheckBuilder[]::new);
    }

    /** Wraps a request in the recording of its outcome. */
    private ChainBuilder measured(Outcome.Kind kind, HttpRequestActionBuilder request) {
        return exec(session -> {
            run.beginIfNeeded();
            return session.remove(STATUS).remove(BODY_TITLE).remove(RETRY_AFTER)
                    .set(PHASE, run.phase()).set(SENT, run.now());
        }).exec(request).exec(session -> {
            record(kind, session);
            return session;
        });
    }

    private void record(Outcome.Kind measuredKind, Session session) {
        Outcome.Kind kind = measuredKind == Outcome.Kind.OWN_READ
                && session.getString(TOKEN).startsWith(WRITER_ONLY_POSITION) ? Outcome.Kind.WRITER_ONLY_READ
                : measuredKind;
        long sent = session.getLong(SENT);
        int status = statusOf(session);
        String body = session.contains(BODY_TITLE) ? session.getString(BODY_TITLE) : "";
        String title = kind == Outcome.Kind.WRITE || kind.read() && measuredKind == Outcome.Kind.OWN_READ
                ? session.getString(TITLE) : "";
        boolean stale = measuredKind == Outcome.Kind.OWN_READ && (status == 404 || status == 200 && !title.equals(body));
        run.record(new Outcome(kind, session.getInt(PHASE), sent, run.now() - sent, status,
                status >= 400 ? body : "", title, session.contains(RETRY_AFTER), stale));
    }

    private static int statusOf(Session session) {
        return session.contains(STATUS) ? session.getInt(STATUS) : Outcome.NO_ANSWER;
    }

    private static String pitch(String title) {
        long owner = ThreadLocalRandom.current().nextLong(1, 1001);
        return "{\"ownerId\":" + owner + ",\"title\":\"" + title + "\",\"logline\":\"Written by the chaos "
                + "simulation\",\"genre\":\"drama\",\"format\":\"short\",\"productionStage\":\"idea\"}";
    }
}
