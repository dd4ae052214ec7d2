package io.flowgres;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.metrics.QueryMetrics;
import io.flowgres.node.Lsn;
import io.flowgres.node.Node;
import io.flowgres.node.NodeAcquireException;
import io.flowgres.resilience.RetryBudget;
import io.flowgres.resilience.RetryPolicy;
import io.flowgres.resilience.SqlStates;
import io.flowgres.routing.Route;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Router;
import io.flowgres.routing.Staleness;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;

/**
 * The query pipeline: for each attempt a node is chosen afresh and the work runs there inside the
 * node's breaker and the operation's remaining deadline; {@code retryWhen} outside decides, per
 * error and per kind of operation, whether another attempt is safe; the error that finally escapes
 * is translated once.
 */
final class QueryExecutor {

    private final ClusterConfig config;
    private final Router router;
    private final QueryMetrics metrics;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final RetryBudget budget;

    QueryExecutor(ClusterConfig config, Router router, QueryMetrics metrics, Scheduler scheduler,
            RandomGenerator random) {
        this.config = config;
        this.router = router;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.random = random;
        this.budget = new RetryBudget(config.retryBudget(), () -> scheduler.now(TimeUnit.NANOSECONDS));
    }

    <T> Flux<T> execute(OperationKind kind, Query query, Function<? super Connection, ? extends Publisher<T>> work) {
        return run(kind, query, operation -> kind == OperationKind.TRANSACTION ? inTransaction(work, operation) : work);
    }

    /**
     * Runs a write or transaction and, on the same connection once it has committed, reads the
     * primary's WAL insert position: a consistency token at or past the commit record.
     */
    <T> Mono<Committed<T>> executeCommitted(OperationKind kind, Query query,
            Function<? super Connection, ? extends Publisher<T>> work) {
        return run(kind, query, operation -> {
            Function<? super Connection, ? extends Publisher<T>> body = kind == OperationKind.TRANSACTION
                    ? inTransaction(work, operation)
                    : work;
            return connection -> Flux.from(body.apply(connection))
                    .collectList()
                    .flatMap(results -> Flux.from(connection.createStatement(
                                    "SELECT pg_current_wal_insert_lsn()::text").execute())
                            .flatMap(result -> result.map(row -> String.valueOf(row.get(0))))
                            .next()
                            .map(lsn -> new Committed<>(results, new ConsistencyToken(Lsn.parse(lsn)))));
        }).single();
    }

    private <R> Flux<R> run(OperationKind kind, Query query,
            Function<Operation, Function<? super Connection, ? extends Publisher<R>>> bodies) {
        Route route = routeOf(kind, query);
        RetryPolicy policy = policyOf(kind);
        Duration timeout = query.timeout() != null ? query.timeout() : config.queryTimeout();
        return Flux.defer(() -> {
            Operation operation = new Operation(kind, query, route, now() + timeout.toNanos());
            budget.recordOperation();
            Function<? super Connection, ? extends Publisher<R>> body = bodies.apply(operation);
            return Flux.deferContextual(context -> attemptOrHedge(operation, body, Staleness.of(context).orElse(null)))
                    .retryWhen(policy.toRetry(error -> isRetryable(operation, error),
                            signal -> metrics.recordRetry(query.name(), reason(signal.failure())), scheduler, random))
                    .onErrorMap(error -> ErrorTranslator.translate(error, query.name(), operation.nodeName, timeout,
                            config.breaker().openDuration()))
                    .doOnError(this::countOutcome);
        });
    }

    private void countOutcome(Throwable error) {
        if (error instanceof QueryTimeoutException timeout && timeout.queryName() != null) {
            metrics.recordTimeout(timeout.queryName(), timeout.phase().name().toLowerCase(Locale.ROOT));
        } else if (error instanceof OutcomeUnknownException unknown && unknown.queryName() != null) {
            metrics.recordOutcomeUnknown(unknown.queryName());
        }
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

    /**
     * One attempt, and for a replica read with hedging on, a second attempt on another node when the
     * first has not answered in time: the first to signal wins and the other is cancelled.
     */
    private <T> Flux<T> attemptOrHedge(Operation operation, Function<? super Connection, ? extends Publisher<T>> work,
            @Nullable Duration staleness) {
        Duration hedgeAfter = config.routing().hedgeAfter();
        if (hedgeAfter == null || operation.kind != OperationKind.READ || operation.route == Route.PRIMARY) {
            return attempt(operation, work, staleness, null);
        }
        return Flux.defer(() -> {
            Flux<T> first = attempt(operation, work, staleness, null);
            String firstNode = operation.nodeName;
            AtomicBoolean hedgeAnswered = new AtomicBoolean();
            Flux<T> hedge = Mono.delay(hedgeAfter, scheduler).flatMapMany(tick -> {
                if (operation.deadlineNanos - now() <= 0 || !budget.tryRetry()) {
                    return Flux.<T>never(); // the first attempt decides alone
                }
                metrics.recordRetry(operation.query.name(), "hedge");
                return attempt(operation, work, staleness, firstNode)
                        .doOnNext(item -> hedgeAnswered.set(true))
                        // A hedge that fails before answering leaves the decision to the first attempt.
                        .onErrorResume(error -> hedgeAnswered.get() ? Flux.error(error) : Flux.never());
            });
            return Flux.firstWithSignal(first, hedge);
        });
    }

    private <T> Flux<T> attempt(Operation operation, Function<? super Connection, ? extends Publisher<T>> work,
            @Nullable Duration staleness, @Nullable String hedgeOf) {
        long remaining = operation.deadlineNanos - now();
        if (remaining <= 0) {
            return Flux.error(new TimeoutException("deadline exceeded before attempt " + (operation.attempts + 1)));
        }
        // A hung node (frozen, partitioned) answers nothing, not an error: each attempt gets its share
        // of the remaining time, so that a read still has time to be retried elsewhere.
        long attemptBudget = remaining / Math.max(1, operation.attemptsLeft(policyOf(operation.kind)));
        Set<String> excluded = operation.failedNodes;
        if (hedgeOf != null) {
            excluded = new HashSet<>(operation.failedNodes);
            excluded.add(hedgeOf);
        }
        Node node;
        try {
            node = router.select(operation.route, operation.query.name(), operation.query.consistency(), staleness,
                    excluded);
        } catch (RuntimeException e) {
            if (hedgeOf != null) {
                return Flux.never(); // no node to hedge on: the first attempt decides alone
            }
            throw e;
        }
        if (hedgeOf != null && node.name().equals(hedgeOf)) {
            return Flux.never();
        }
        operation.attempts++;
        operation.nodeName = node.name();
        Function<? super Connection, ? extends Publisher<T>> body = work;
        long started = System.nanoTime();
        String role = node.role().name().toLowerCase(Locale.ROOT);
        AtomicBoolean recorded = new AtomicBoolean();
        Consumer<SignalType> record = signal -> {
            if (recorded.compareAndSet(false, true)) {
                metrics.recordAttempt(operation.query.name(), node.name(), role, outcome(signal),
                        Duration.ofNanos(System.nanoTime() - started));
            }
        };
        return node.run(body, Duration.ofNanos(attemptBudget))
                .doOnNext(item -> operation.emitted = true)
                .onErrorMap(error -> mayHaveApplied(operation, error),
                        error -> new OutcomeUnknownException(operation.query.name() + " on " + node.name()
                                + ": connection lost or no answer after the write was sent; it may or may not have been applied",
                                operation.query.name(), node.name(), error))
                .doOnComplete(() -> node.state().recordSuccess(now()))
                .doOnError(error -> {
                    if (SqlStates.isInfrastructureFailure(error) || error instanceof NodeAcquireException) {
                        // The node, not the query, failed: steer this operation's retries elsewhere.
                        node.state().recordFailure(now());
                        operation.failedNodes.add(node.name());
                    }
                })
                // Recorded before the terminal signal travels on (not in doFinally, which runs after it),
                // so that whoever sees the result also sees its metrics and slow-query entry.
                .doOnComplete(() -> record.accept(SignalType.ON_COMPLETE))
                .doOnError(error -> {
                    metrics.recordError(operation.query.name(), error);
                    record.accept(SignalType.ON_ERROR);
                })
                .doOnCancel(() -> record.accept(SignalType.CANCEL));
    }

    /** A single write that lost its connection after it was sent may have committed. */
    private static boolean mayHaveApplied(Operation operation, Throwable error) {
        return operation.kind == OperationKind.WRITE && !operation.query.isIdempotent()
                && !(error instanceof NodeAcquireException) && !(error instanceof CallNotPermittedException)
                && SqlStates.sqlState(error) == null
                && (SqlStates.isConnectionFailure(error) || SqlStates.isTimeout(error));
    }

    private boolean isRetryable(Operation operation, Throwable error) {
        if (operation.emitted || error instanceof FlowgresException || operation.deadlineNanos - now() <= 0) {
            // Rows already went out, or the outcome/route is settled, or no time is left.
            return false;
        }
        if (error instanceof CallNotPermittedException) {
            return withinBudget(operation); // never reached the server; the next attempt re-selects a node
        }
        if (!SqlStates.isTransient(error, config.retryLockNotAvailable())) {
            return false;
        }
        boolean safe = switch (operation.kind) {
            case READ, TRANSACTION -> true;
            case WRITE -> error instanceof NodeAcquireException || operation.query.isIdempotent();
        };
        return safe && withinBudget(operation);
    }

    private boolean withinBudget(Operation operation) {
        if (budget.tryRetry()) {
            return true;
        }
        metrics.recordBudgetExhausted(operation.query.name());
        return false;
    }

    private static <T> Function<Connection, Publisher<T>> inTransaction(
            Function<? super Connection, ? extends Publisher<T>> work, Operation operation) {
        Query query = operation.query;
        // Results are held back until COMMIT succeeds: nobody sees rows of a transaction that
        // then fails, and a rolled-back transaction can be re-run whole without duplicates.
        return connection -> Mono.from(connection.beginTransaction())
                .thenMany(Flux.defer(() -> work.apply(connection)))
                .collectList()
                .flatMap(results -> Mono.from(connection.commitTransaction())
                        .onErrorMap(error -> SqlStates.isConnectionFailure(error)
                                && !SqlStates.isTransactionRollback(error),
                                error -> new OutcomeUnknownException(query.name() + " on " + operation.nodeName
                                        + ": connection lost during COMMIT; the transaction may or may not have committed",
                                        query.name(), operation.nodeName, error))
                        .thenReturn(results))
                .flatMapIterable(Function.<List<T>>identity());
    }

    private static String outcome(SignalType signal) {
        return switch (signal) {
            case ON_COMPLETE -> "success";
            case CANCEL -> "cancelled";
            default -> "error";
        };
    }

    private static String reason(Throwable error) {
        if (error instanceof NodeAcquireException) {
            return "acquire";
        }
        if (error instanceof CallNotPermittedException) {
            return "breaker";
        }
        if (SqlStates.isTransactionRollback(error)) {
            return "rollback";
        }
        if (SqlStates.isTimeout(error)) {
            return "timeout";
        }
        return SqlStates.isConnectionFailure(error) ? "connection" : "other";
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    /** The mutable state of one operation across its attempts; confined to its subscription. */
    private static final class Operation {

        final OperationKind kind;
        final Query query;
        final Route route;
        final long deadlineNanos;
        volatile int attempts;
        volatile boolean emitted;
        volatile @Nullable String nodeName;
        final Set<String> failedNodes = ConcurrentHashMap.newKeySet();

        int attemptsLeft(RetryPolicy policy) {
            return policy.maxAttempts() - attempts;
        }

        Operation(OperationKind kind, Query query, Route route, long deadlineNanos) {
            this.kind = kind;
            this.query = query;
            this.route = route;
            this.deadlineNanos = deadlineNanos;
        }
    }
}
