package io.flowgres.internal.exec;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.NodeOverloadedException;
import io.flowgres.internal.SignalHooks;
import io.flowgres.internal.SqlStates;
import io.flowgres.internal.metrics.QueryMetrics;
import io.flowgres.internal.node.Node;
import io.flowgres.internal.routing.Router;
import io.flowgres.query.Committed;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.Query;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.routing.Staleness;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.ContextView;

/**
 * The query pipeline. For each attempt the {@link Router} chooses a node afresh and the work runs
 * there inside the node's breaker and a share of the operation's remaining deadline; a replica read
 * may be {@linkplain Hedging hedged}. When an attempt fails, {@link RetryDecision} decides from its
 * immutable {@link Attempt} facts; a retry is scheduled after a jittered backoff only when the
 * decision says so and the {@link RetryBudget} grants it; whatever ends the operation is translated
 * once by {@link ErrorTranslator}. An attempt whose writer is restarting waits for it first
 * ({@link io.flowgres.cluster.AvailabilityPolicy#restartHold()}).
 */
public final class QueryExecutor {

    /** How often an attempt waiting for a restarting writer looks whether the wait is over. */
    static final Duration RESTART_POLL = Duration.ofMillis(20);
    /** When a hedged read's first attempt was sent: not yet (it waits for its node in this client). */
    private static final long NOT_SENT = Long.MIN_VALUE;

    private final ClusterConfig config;
    private final Router router;
    private final QueryMetrics metrics;
    private final Scheduler timer;
    private final LongSupplier ticker;
    private final RandomGenerator random;
    private final RetryBudget budget;
    private final LatencyWindow replicaReads;
    private final HedgeDelays hedgeDelays;
    private final ReplayCheck replayCheck;
    private final Runnable nodeFailed;

    /**
     * Creates the pipeline.
     *
     * @param config deadlines, retry policies and hedging
     * @param router chooses the node of each attempt
     * @param metrics records attempts, retries and outcomes
     * @param timer the scheduler of backoff delays, deadlines and hedges
     * @param ticker the pipeline's clock, in nanoseconds
     * @param random randomness for jitter
     * @param nodeFailed told when an attempt failed because of its node (the prober judges it sooner)
     */
    public QueryExecutor(ClusterConfig config, Router router, QueryMetrics metrics, Scheduler timer,
            LongSupplier ticker, RandomGenerator random, Runnable nodeFailed) {
        this.config = config;
        this.nodeFailed = nodeFailed;
        this.router = router;
        this.metrics = metrics;
        this.timer = timer;
        this.ticker = ticker;
        this.random = random;
        this.budget = new RetryBudget(config.retryBudget(), ticker);
        this.replicaReads = new LatencyWindow(ticker);
        this.hedgeDelays = new HedgeDelays(timer, ticker);
        this.replayCheck = new ReplayCheck(ticker, timer);
    }

    /**
     * Runs an operation.
     *
     * @param kind read, write or transaction
     * @param query the named query
     * @param work the caller's work, applied once per attempt
     * @param <T> the result type
     * @return the results, lazily
     */
    public <T> Flux<T> execute(OperationKind kind, Query query,
            Function<? super Connection, ? extends Publisher<T>> work) {
        return run(kind, query, tracker -> TransactionWork.body(kind, work, tracker));
    }

    /**
     * Runs a write or transaction and, on the same connection once it has committed, reads the
     * primary's WAL insert position: a consistency token at or past the commit record. Committed work
     * is never re-run and never reported as an unknown outcome: when anything fails after the commit
     * (the position's read, the connection, the attempt's deadline), the results come back with a
     * token that routes reads to the writer.
     *
     * @param kind write or transaction
     * @param query the named query
     * @param work the caller's work
     * @param <T> the result type
     * @return the results and the token
     */
    public <T> Mono<Committed<T>> executeCommitted(OperationKind kind, Query query,
            Function<? super Connection, ? extends Publisher<T>> work) {
        return Mono.defer(() -> {
            // The results of the attempt that committed; an attempt that committed is the last one.
            AtomicReference<@Nullable List<T>> committed = new AtomicReference<>();
            return run(kind, query, tracker -> {
                Function<Connection, Publisher<T>> body = TransactionWork.body(kind, work, tracker);
                return connection -> Flux.from(body.apply(connection))
                        .collectList()
                        .doOnNext(results -> {
                            tracker.reached(Progress.COMMITTED);
                            committed.set(results);
                        })
                        .flatMap(results -> ConsistencyToken.afterCommit(connection)
                                .map(token -> new Committed<>(results, token)));
            }).single().onErrorResume(error -> {
                List<T> results = committed.get();
                return results == null ? Mono.error(error)
                        : Mono.just(new Committed<>(results, ConsistencyToken.writerOnly()));
            });
        });
    }

    private <R> Flux<R> run(OperationKind kind, Query query,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies) {
        Route route = routeOf(kind, query);
        RetryPolicy policy = policyOf(kind);
        Duration timeout = query.timeout() != null ? query.timeout() : config.queryTimeout();
        return Flux.deferContextual(context -> {
            Operation operation = new Operation(kind, query, route, policy, timeout,
                    ticker.getAsLong() + timeout.toNanos(), Staleness.of(context).orElse(null), new Refusals());
            budget.recordOperation();
            return attempt(operation, bodies, 1, Set.of());
        });
    }

    /** One attempt and, when it fails and the decision allows, the next after a backoff. */
    private <R> Flux<R> attempt(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Set<String> failedNodes) {
        return routedAttempt(operation, bodies, number, failedNodes)
                .onErrorResume(AttemptFailure.class, failure -> {
                    Attempt attempt = failure.attempt();
                    Throwable error = failure.getCause();
                    RetryDecision.Verdict verdict = RetryDecision.decide(operation.kind(),
                            operation.query().isIdempotent(), attempt, error,
                            // A refusal (a limit, an open breaker) used no attempt (see below), so it leaves one.
                            number < operation.policy().maxAttempts() || isRefusal(error, attempt, failedNodes),
                            operation.deadlineNanos() - now() > 0,
                            config.retryLockNotAvailable());
                    if (verdict == RetryDecision.Verdict.RETRY && error instanceof NodeOverloadedException overloaded) {
                        // Passing over a node at its limit sends nothing anywhere: it spends neither budget
                        // nor an attempt, and happens at most once per node (see Operation), so it ends.
                        operation.refusedBy().add(overloaded.nodeName());
                        metrics.recordRetry(operation.query().name(), SqlStates.reason(error));
                        return attempt(operation, bodies, number, with(failedNodes, overloaded.nodeName()));
                    }
                    if (verdict == RetryDecision.Verdict.RETRY && isRefusal(error, attempt, failedNodes)) {
                        // A breaker that refused a call (open, or half-open with its trial calls taken) sent
                        // nothing: like a limit, it costs no attempt and no budget, and the node is passed
                        // over for the rest of this operation, so a trial call never lands twice in it.
                        metrics.recordRetry(operation.query().name(), SqlStates.reason(error));
                        return attempt(operation, bodies, number, with(failedNodes, attempt.node()));
                    }
                    if (verdict == RetryDecision.Verdict.RETRY) {
                        if (budget.tryRetry()) {
                            metrics.recordRetry(operation.query().name(), SqlStates.reason(error));
                            Set<String> excluded = attempt.nodeFailed() && attempt.node() != null
                                    ? with(failedNodes, attempt.node())
                                    : failedNodes;
                            return Mono.delay(operation.policy().delay(number, random), timer)
                                    .thenMany(attempt(operation, bodies, number + 1, excluded));
                        }
                        metrics.recordBudgetExhausted(operation.query().name());
                        verdict = RetryDecision.Verdict.FAIL;
                    }
                    FlowgresException translated = ErrorTranslator.translate(error, operation.query().name(), attempt,
                            verdict, operation.timeout(), config.breaker().openDuration());
                    metrics.recordFinalError(translated);
                    return Flux.error(translated);
                });
    }

    /** Routes one attempt and, for a replica read with hedging on, races it against a hedge. */
    private <R> Flux<R> routedAttempt(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Set<String> failedNodes) {
        return routedAttempt(operation, bodies, number, failedNodes, true);
    }

    private <R> Flux<R> routedAttempt(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Set<String> failedNodes, boolean mayWait) {
        return Flux.defer(() -> {
            long remaining = operation.deadlineNanos() - now();
            if (remaining <= 0) {
                return Flux.error(new AttemptFailure(Attempt.unrouted(number),
                        new java.util.concurrent.TimeoutException("deadline exceeded before attempt " + number)));
            }
            // After waiting for a restarting writer, routing decides without another wait.
            Router.Selection selection = router.select(operation.route(), operation.query().consistency(),
                    operation.staleness(), failedNodes, operation.refusedBy().snapshot(), mayWait);
            if (selection instanceof Router.Selection.Await await) {
                // A restarting writer: wait for it (once per attempt, never past the deadline, with time
                // left to run), then route again; nothing was sent, so nothing can be duplicated.
                long until = Math.min(await.untilNanos(), operation.deadlineNanos() - remaining / 2);
                if (until - now() < RESTART_POLL.toNanos()) {
                    return Flux.error(new AttemptFailure(Attempt.unrouted(number),
                            new NoNodeException(await.otherwise())));
                }
                return awaitWriter(await.writer(), until)
                        .thenMany(routedAttempt(operation, bodies, number, failedNodes, false));
            }
            if (selection instanceof Router.Selection.None none) {
                return Flux.error(new AttemptFailure(Attempt.unrouted(number), new NoNodeException(none)));
            }
            // A hung node answers nothing, not an error: each attempt gets its share of the remaining
            // time, so that a read still has time to be retried elsewhere.
            int attemptsLeft = Math.max(1, operation.policy().maxAttempts() - number + 1);
            Duration share = Duration.ofNanos(remaining / attemptsLeft);
            if (selection instanceof Router.Selection.CheckReplay check) {
                // The writer cannot take this read of one's own write: a replica may, once it shows it
                // has replayed the token. No hedge: the check itself is the wait.
                return onNode(operation, checkingReplay(bodies, check, share), number, check.node(), share);
            }
            Node node = ((Router.Selection.Chosen) selection).node();
            Duration hedgeAfter = hedgeDelay();
            if (hedgeAfter == null || operation.kind() != OperationKind.READ || operation.route() == Route.PRIMARY
                    || operation.query().isStreaming()) {
                return onNode(operation, bodies, number, node, share);
            }
            // When the first attempt's work reached its connection, for the hedge to tell the server's time
            // from time spent waiting in this client.
            AtomicLong firstSent = new AtomicLong(NOT_SENT);
            Flux<R> first = onNode(operation, tracker -> {
                Function<? super Connection, ? extends Publisher<R>> body = bodies.apply(tracker);
                return connection -> {
                    firstSent.set(now());
                    return body.apply(connection);
                };
            }, number, node, share);
            return Hedging.race(first, () -> hedgeWhenDue(operation, bodies, number, failedNodes, node, share,
                    firstSent, hedgeAfter, hedgeAfter.toNanos()), hedgeAfter, hedgeDelays);
        });
    }

    /**
     * The hedge once the first attempt has spent the delay on its server, not in this client: an
     * attempt still waiting for its node (a pooled connection, the node's limit) while that node keeps
     * answering other work waits for this client's own saturation, not a slow server, and a second read
     * elsewhere would only add to it (under a closed load at four times the pool, hedging cost a fifth
     * of the throughput and 10 ms of p99). Such a read is looked at again later (a delay, then twice as
     * long each time, at most the adaptive delay's ceiling, so a long queue costs a few looks), and once
     * sent it gets the whole delay on its server. A node that has answered nothing for longer than the
     * delay (a freeze) is hedged away from at once, whether the attempt was sent or still waits.
     */
    private <R> Mono<Flux<R>> hedgeWhenDue(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Set<String> failedNodes, Node firstNode, Duration share, AtomicLong firstSent, Duration after,
            long lookAgainNanos) {
        return Mono.defer(() -> {
            long delay = after.toNanos();
            long sent = firstSent.get();
            long wait;
            long next = lookAgainNanos;
            if (firstNode.load().stallNanos() >= delay) {
                wait = 0;
            } else if (sent == NOT_SENT) {
                wait = lookAgainNanos;
                next = Math.min(2 * lookAgainNanos, Math.max(delay, config.availability().hedgeCeiling().toNanos()));
            } else {
                wait = delay - (now() - sent);
            }
            return wait <= 0 ? hedge(operation, bodies, number, failedNodes, firstNode, share)
                    : hedgeDelays.after(Duration.ofNanos(wait)).then(hedgeWhenDue(operation, bodies, number,
                            failedNodes, firstNode, share, firstSent, after, next));
        });
    }

    /** Polls, on the timer, until the wait for a restarting writer is over or {@code untilNanos} has come. */
    private Mono<Void> awaitWriter(Node writer, long untilNanos) {
        return Mono.delay(RESTART_POLL, timer).then(Mono.defer(() -> router.isAwaitOver(writer) || now() >= untilNanos
                ? Mono.<Void>empty()
                : awaitWriter(writer, untilNanos)));
    }

    /** The bodies of an attempt that first checks, on its connection, that the replica has the token. */
    private <R> Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> checkingReplay(
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies,
            Router.Selection.CheckReplay check, Duration share) {
        return tracker -> {
            Function<? super Connection, ? extends Publisher<R>> body = bodies.apply(tracker);
            return connection -> replayCheck.await(connection, check.node().name(), check.token(), share.dividedBy(2))
                    .thenMany(Flux.defer(() -> body.apply(connection)));
        };
    }

    /**
     * The hedge delay: the configured fixed one, else (adaptive hedging on) the replicas' recent 95th
     * percentile within the policy's bounds, else none.
     */
    private @Nullable Duration hedgeDelay() {
        Duration fixed = config.routing().hedgeAfter();
        if (fixed != null || !config.availability().adaptiveHedging()) {
            return fixed;
        }
        return replicaReads.hedgeDelay(config.availability().hedgeFloor(), config.availability().hedgeCeiling());
    }

    /** A hedge on another node, when there is one, time is left and the budget grants it. */
    private <R> Mono<Flux<R>> hedge(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Set<String> failedNodes, Node firstNode, Duration share) {
        return Mono.defer(() -> {
            if (operation.deadlineNanos() - now() <= 0) {
                return Mono.empty();
            }
            Router.Selection selection = router.select(operation.route(), operation.query().consistency(),
                    operation.staleness(), with(failedNodes, firstNode.name()));
            if (!(selection instanceof Router.Selection.Chosen chosen) || chosen.node() == firstNode
                    || !budget.tryRetry()) {
                return Mono.empty();
            }
            metrics.recordRetry(operation.query().name(), "hedge");
            return Mono.just(onNode(operation, bodies, number, chosen.node(), share));
        });
    }

    /**
     * One attempt on a chosen node: the work, its facts, its node's verdict, its metrics and its
     * observation. The observation is a child of the caller's (from the Reactor context, else the
     * registry's current one) and is put in the work's context, so that spans of the work are its
     * children.
     */
    private <R> Flux<R> onNode(Operation operation,
            Function<AttemptTracker, Function<? super Connection, ? extends Publisher<R>>> bodies, int number,
            Node node, Duration share) {
        return Flux.deferContextual(context -> {
            AttemptTracker tracker = new AttemptTracker(number, node.name());
            QueryMetrics.Attempt recorder = metrics.startAttempt(operation.query().name(), node.name(),
                    node.role(), operation.kind().tag(), parentObservation(context));
            Observation observation = recorder.observation();
            long started = now();
            boolean replicaRead = operation.kind() == OperationKind.READ && node != router.writer();
            boolean queueAtLimit = operation.refusedBy().contains(node.name());
            // The attempt's facts and metrics ride on the node's own verdicts' subscriber.
            Flux<R> attempt = node.run(bodies.apply(tracker), share, !operation.query().isStreaming(), queueAtLimit,
                    new SignalHooks<>() {
                        @Override
                        protected void onItem(R item) {
                            tracker.emitted();
                        }

                        @Override
                        protected void onComplete() {
                            long now = now();
                            node.health().recordSuccess(now);
                            if (replicaRead) {
                                replicaReads.record(now - started);
                            }
                            recorder.success();
                        }

                        @Override
                        protected void onCancel() {
                            recorder.cancelled();
                        }

                        @Override
                        protected Throwable onError(Throwable error) {
                            boolean nodeFailed = SqlStates.isInfrastructureFailure(error)
                                    || error instanceof NodeAcquireException;
                            if (nodeFailed) {
                                node.health().recordFailure(now());
                                QueryExecutor.this.nodeFailed.run();
                            }
                            recorder.failed(error);
                            // A node at its limit is not sick, but this operation should look elsewhere.
                            boolean avoid = nodeFailed || error instanceof NodeOverloadedException
                                    || error instanceof ReplicaBehindException;
                            return new AttemptFailure(tracker.finish(avoid), error);
                        }
                    });
            // Without an observation (no registry, or one that observes nothing) the context stays as it is,
            // and the attempt's chain has no operator for it.
            return observation.isNoop() ? attempt
                    : attempt.contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, observation));
        });
    }

    private static @Nullable Observation parentObservation(ContextView context) {
        Object parent = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
        return parent instanceof Observation observation ? observation : null;
    }

    /**
     * Whether a node refused the attempt before anything was sent (its limit, or its breaker the
     * first time in this operation): such a refusal costs no attempt. A breaker that refuses a node
     * routing offers again (the writer, the only replica) costs one, with its backoff, so an
     * operation never spins on it.
     */
    private static boolean isRefusal(Throwable error, Attempt attempt, Set<String> failedNodes) {
        return error instanceof NodeOverloadedException
                || (error instanceof CallNotPermittedException && attempt.node() != null
                        && !failedNodes.contains(attempt.node()));
    }

    private RetryPolicy policyOf(OperationKind kind) {
        return switch (kind) {
            case READ -> config.readRetry();
            case WRITE -> config.writeRetry();
            case TRANSACTION -> config.transactionRetry();
        };
    }

    private Route routeOf(OperationKind kind, Query query) {
        if (kind != OperationKind.READ) {
            return Route.PRIMARY;
        }
        Route route = query.route();
        if (route == null) {
            route = config.routing().ruleFor(query.name());
        }
        return route != null ? route : Route.REPLICA_PREFERRED;
    }

    private static Set<String> with(Set<String> names, String name) {
        Set<String> copy = new HashSet<>(names);
        copy.add(name);
        return Set.copyOf(copy);
    }

    private long now() {
        return ticker.getAsLong();
    }
}
