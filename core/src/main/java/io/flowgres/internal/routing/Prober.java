package io.flowgres.internal.routing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;

import io.flowgres.cluster.LagWithoutWriter;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.internal.Lsn;
import io.flowgres.internal.SqlStates;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.node.NodeHealth;
import io.flowgres.routing.WriterPositions;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The single source of node truth: probes every node on an interval, each on its own connection
 * outside the breakers with a bounded timeout, and records what it finds in the node's
 * {@link io.flowgres.internal.node.NodeHealth}: reachable or not (and why not), in recovery or
 * not, the round trip (which feeds the latency average too), and for replicas the replay position
 * and the lag behind the primary's WAL position of the same round. When no primary answers in a
 * round, replica lag is <em>unknown</em>, never zero, or, when the policy says so
 * ({@link LagWithoutWriter#LAST_WRITER_POSITION}), measured against the writer's last known
 * position. Routing reads these findings; health reports are built from them. The writer's
 * position of each round is also kept by round number ({@link #positions()}), for reads that must
 * cover what was known before a moment. A node found reachable again after an outage has its breaker
 * forget the outage ({@link io.flowgres.internal.node.NodeGate#returned()}).
 *
 * <p>Non-blocking; one round at a time, so a slow round delays the next instead of piling up.
 */
public final class Prober implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Prober.class);

    private static final String SQL = "SELECT pg_is_in_recovery() AS recovery, "
            + "(CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_insert_lsn() END)::text AS current_lsn, "
            + "(CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_flush_lsn() END)::text AS flush_lsn, "
            + "pg_last_wal_receive_lsn()::text AS receive_lsn, "
            + "pg_last_wal_replay_lsn()::text AS replay_lsn, "
            + "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 AS replay_age";

    /** How many times as often a round runs while any node is down. */
    static final int DOWN_SPEEDUP = 4;

    private final List<Node> nodes;
    private final RoutingPolicy policy;
    private final Scheduler scheduler;
    private final LongSupplier ticker;
    private final Router router;
    private final ProbedPositions positions = new ProbedPositions();
    /**
     * The writer's WAL flush position in the latest round in which it answered, or -1: all a replica
     * can have of it (only flushed WAL is streamed), so what replicas are measured against while the
     * writer cannot be probed ({@link LagWithoutWriter#LAST_WRITER_POSITION}). Its insert position
     * may include WAL that never leaves a server frozen or killed right after the probe.
     */
    private volatile long lastFlushLsn = -1;
    private volatile @Nullable Disposable running;
    private final AtomicReference<Sinks.Empty<Void>> wakeup = new AtomicReference<>(Sinks.empty());

    /**
     * Creates a prober; call {@link #start()}.
     *
     * @param nodes every node
     * @param policy the probe interval and timeout
     * @param scheduler the timer of the interval (virtual in tests)
     * @param ticker the pipeline's clock, in nanoseconds
     * @param router told after each round, to re-judge the writer; its writer is what lag is measured against
     */
    public Prober(List<Node> nodes, RoutingPolicy policy, Scheduler scheduler, LongSupplier ticker, Router router) {
        this.nodes = List.copyOf(nodes);
        this.router = router;
        this.policy = policy;
        this.scheduler = scheduler;
        this.ticker = ticker;
    }

    /**
     * Starts probing: a first round at once, then one an interval after each round ends, or a
     * quarter of it while any node is down. A node comes back only after good probes in a row, so
     * probing a down node four times as often brings a restarted primary back (and writes with it)
     * within a fraction of a second of its answering, at the cost of a few probes during outages only.
     *
     * @return this prober
     */
    public synchronized Prober start() {
        if (running == null) {
            running = Mono.defer(this::probeAll)
                    .then(Mono.defer(this::pause))
                    .repeat()
                    .subscribe(ignored -> { }, error -> log.error("Prober stopped", error));
        }
        return this;
    }

    /**
     * The pause between rounds: {@link #nextRoundIn()}, cut short by a {@link #wake()}, though never
     * below a quarter of the interval, so that a burst of failures cannot turn probing into a storm.
     */
    Mono<Void> pause() {
        Sinks.Empty<Void> woken = Sinks.empty();
        wakeup.set(woken);
        return Mono.firstWithSignal(Mono.delay(nextRoundIn(), scheduler).then(),
                Mono.delay(policy.probeInterval().dividedBy(DOWN_SPEEDUP), scheduler).then(woken.asMono()));
    }

    /**
     * Asks for the next round soon: an operation just failed on a node, which the prober should judge
     * now rather than an interval later (a stopped primary's writes then wait for its restart
     * instead of spending their attempts on refused connections).
     */
    public void wake() {
        wakeup.get().tryEmitEmpty();
    }

    /** The pause before the next round: the interval, or a quarter of it while a node is down. */
    Duration nextRoundIn() {
        for (Node node : nodes) {
            if (!node.health().probe().reachable()) {
                return policy.probeInterval().dividedBy(DOWN_SPEEDUP);
            }
        }
        return policy.probeInterval();
    }

    /**
     * Probes every node once, now.
     *
     * @return completes when every node's health is updated
     */
    public Mono<Void> probeAll() {
        return Mono.defer(() -> {
            // Counted before any probe is sent: the writer's position this round reads covers every
            // commit known before the count (see WriterPositions).
            long round = positions.start();
            return Flux.fromIterable(nodes)
                    .flatMap(this::probe)
                    .collectList()
                    .doOnNext(samples -> record(round, samples))
                    .doOnNext(samples -> router.afterProbeRound())
                    .then();
        });
    }

    /** The writer's positions by round, as this prober read them. */
    public WriterPositions positions() {
        return positions;
    }

    private Mono<Sample> probe(Node node) {
        // The round trip is timed from a held connection, as queries are: opening one (a SCRAM login,
        // hundreds of milliseconds on a busy machine) would enter the peak-sensitive latency average as
        // a slow node and keep it there for seconds, blinding the balancer's stall rule.
        // A connection that failed is tried once more on a fresh one by node.probe: after a restart the
        // probe pool may still hold a connection to the old server, which would call a running node down.
        return Mono.defer(() -> {
            long began = ticker.getAsLong();
            // The work runs again on a retry, so the round trip is timed on the connection that answered.
            return node.probe(connection -> Flux.defer(() -> {
                        long started = ticker.getAsLong();
                        return Flux.from(connection.createStatement(SQL).execute())
                                .flatMap(result -> result.map(row -> read(node, row, started)));
                    }), policy.probeTimeout())
                    .singleOrEmpty()
                    .switchIfEmpty(Mono.fromSupplier(() -> Sample.failed(node, "no answer")))
                    .onErrorResume(error -> Mono.just(answeredMeanwhile(node, error, began) ? Sample.inconclusive(node)
                            : Sample.failed(node, SqlStates.reason(error))));
        });
    }

    /**
     * Whether a probe that failed was outrun by other work: it timed out, yet the server answered
     * something else on the node since the probe began. The node is working; what was slow is the
     * probe (its login, or this JVM starved of CPU under load, so that the probe's timeout fired before
     * its answer was read), and taking a working primary out would fail every write for a round or
     * more. A frozen or partitioned node answers nothing, so its timeouts stay verdicts.
     */
    static boolean answeredMeanwhile(Node node, Throwable error, long probeBeganNanos) {
        return SqlStates.isTimeout(error) && node.load().lastAnswerNanos() - probeBeganNanos > 0;
    }

    private Sample read(Node node, Readable row, long started) {
        long rtt = ticker.getAsLong() - started;
        Double age = row.get("replay_age", Double.class);
        return new Sample(node, null, false, Boolean.TRUE.equals(row.get("recovery", Boolean.class)),
                lsn(row, "current_lsn"), lsn(row, "flush_lsn"), lsn(row, "receive_lsn"), lsn(row, "replay_lsn"),
                age == null ? Double.NaN : age, rtt);
    }

    /** A WAL position column of the probe's row, or -1 when the node has none (NULL). */
    private static long lsn(Readable row, String column) {
        String text = row.get(column, String.class);
        return text == null ? -1 : Lsn.parse(text);
    }

    private void record(long round, List<Sample> samples) {
        long now = ticker.getAsLong();
        // Lag is measured against the writer only: a fenced second primary's position means nothing.
        Node writer = router.writer();
        long primaryLsn = -1;
        for (Sample sample : samples) {
            if (sample.node() == writer && sample.answered() && !sample.recovery()) {
                primaryLsn = sample.currentLsn();
                lastFlushLsn = sample.flushLsn();
            }
        }
        if (primaryLsn >= 0) {
            positions.record(round, primaryLsn);
        }
        // Without the writer, replicas are measured against its last known position only when the policy says so.
        long lastPosition = primaryLsn < 0 && policy.lagWithoutWriter() == LagWithoutWriter.LAST_WRITER_POSITION
                ? lastPositionReference(lastFlushLsn, samples.stream()
                        .filter(sample -> sample.answered() && sample.recovery()
                                && !sample.node().health().probe().lagging())
                        .mapToLong(Sample::receiveLsn))
                : -1;
        for (Sample sample : samples) {
            NodeHealth.Probe before = sample.node().health().probe();
            recordOne(sample, now, primaryLsn, lastPosition);
            boolean reachable = sample.node().health().probe().reachable();
            if (before.reachable() && !reachable) {
                sample.node().gate().wentDown(before.lastProbeNanos());
            } else if (!before.reachable() && reachable) {
                // Back after an outage: the breaker forgets what the outage taught it (see NodeGate#returned).
                sample.node().gate().returned();
            }
        }
    }

    /**
     * What replicas are measured against while the writer cannot be probed: its flush position of the
     * last round in which it answered, or less when every replica that was in rotation has received
     * less. WAL the writer had flushed but not yet sent when it froze or died exists on no reachable
     * node (a busy writer under asynchronous replication nearly always has some), and a replica that
     * has replayed all its freshest peer received is as current as any read can be; measured against
     * the flush position alone, every replica would count as behind and leave rotation after
     * {@code maxLag}. Replicas that were lagging already never lower it: a stream that broke before the
     * writer went away leaves them behind its last position.
     *
     * @param lastFlushLsn the writer's last known flush position, or -1
     * @param receivedInRotation the receive positions of this round's replicas that were in rotation (-1: none)
     * @return the position to measure against, or -1 for none (lag then unknown)
     */
    static long lastPositionReference(long lastFlushLsn, LongStream receivedInRotation) {
        if (lastFlushLsn < 0) {
            return -1;
        }
        long freshest = receivedInRotation.max().orElse(-1);
        return freshest < 0 ? lastFlushLsn : Math.min(lastFlushLsn, freshest);
    }

    /** Records one node's probe in its health: a failure, a primary, or a replica with its lag. */
    private void recordOne(Sample sample, long now, long primaryLsn, long lastPosition) {
        String failure = sample.failure();
        if (sample.inconclusive()) {
            log.debug("The probe of {} timed out while the node answered other work: no verdict this round",
                    sample.node().name());
        } else if (failure != null) {
            sample.node().health().recordProbeFailure(now, failure);
        } else if (!sample.recovery()) {
            sample.node().health().recordProbe(false, -1, 0, Double.NaN, sample.rttNanos(), now);
        } else if (sample.replayLsn() >= 0 && lastPosition >= 0) {
            // lastPosition is set only in rounds that did not probe the writer.
            sample.node().health().recordProbeAgainstLastPosition(sample.replayLsn(),
                    Math.max(0, lastPosition - sample.replayLsn()), sample.replayAgeSeconds(), sample.rttNanos(),
                    now);
        } else if (primaryLsn < 0 || sample.replayLsn() < 0) {
            sample.node().health().recordProbeWithoutPrimary(sample.replayLsn(), sample.rttNanos(), now);
        } else {
            sample.node().health().recordProbe(true, sample.replayLsn(),
                    Math.max(0, primaryLsn - sample.replayLsn()), sample.replayAgeSeconds(), sample.rttNanos(),
                    now);
        }
    }

    /** Stops probing. */
    @Override
    public synchronized void close() {
        Disposable current = running;
        if (current != null) {
            current.dispose();
            running = null;
        }
    }

    /**
     * What one probe of one node found: its answer, a failure, or nothing to judge by ({@code
     * inconclusive}: it timed out while the node answered other work).
     */
    private record Sample(Node node, @Nullable String failure, boolean inconclusive, boolean recovery,
            long currentLsn, long flushLsn, long receiveLsn, long replayLsn, double replayAgeSeconds, long rttNanos) {

        static Sample failed(Node node, String failure) {
            return new Sample(node, failure, false, false, -1, -1, -1, -1, Double.NaN, 0);
        }

        static Sample inconclusive(Node node) {
            return new Sample(node, null, true, false, -1, -1, -1, -1, Double.NaN, 0);
        }

        /** Whether the node answered the probe (its figures are this round's). */
        boolean answered() {
            return failure == null && !inconclusive;
        }
    }
}
