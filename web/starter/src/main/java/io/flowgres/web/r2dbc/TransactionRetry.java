package io.flowgres.web.r2dbc;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.flowgres.cluster.RetryPolicy;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The core's retry rules for Spring's transactions, as Reactor {@link Retry} specs to put around a
 * whole transaction ({@code operator.transactional(work).retryWhen(...)}, or around a call of a
 * {@code @Transactional} method from outside its proxy), with the policy's jittered backoff:
 * <ul>
 *   <li>{@link #rollbacks}: a read-write transaction re-run whole when PostgreSQL reports that it
 *       rolled it back for a conflict ({@code 40001} serialization failure, {@code 40P01} deadlock).
 *       Such a transaction certainly did not commit, so running it again never duplicates a write; a
 *       failure without the server's answer (a lost connection, a timeout, during {@code COMMIT} or
 *       before) is never retried, since the write may have been applied. Opt in per transaction: its
 *       work must have no effect outside the database;</li>
 *   <li>{@link #readOnly}: a read-only transaction re-run also when its connection failed, on the
 *       node the routing factory picks afresh (a failed replica is passed over once the prober or
 *       its breaker marks it).</li>
 * </ul>
 * A Reactor spec rather than Spring Framework 7's {@code @Retryable}: which failures may be re-run
 * depends on the SQLSTATE and on whether the transaction can have written, which {@code @Retryable}'s
 * exception-type filters cannot tell apart (Spring translates a deadlock and a lock timeout alike).
 */
public final class TransactionRetry {

    private static final Set<String> ROLLED_BACK = Set.of("40001", "40P01");

    private TransactionRetry() {
    }

    /**
     * Re-runs a read-write transaction that PostgreSQL rolled back for a conflict.
     *
     * @param policy attempts and backoff, e.g. {@link RetryPolicy#transactions()}
     * @return the spec
     */
    public static Retry rollbacks(RetryPolicy policy) {
        return spec(policy, TransactionRetry::isRolledBack);
    }

    /**
     * Re-runs a read-only transaction that was rolled back for a conflict or whose connection failed.
     *
     * @param policy attempts and backoff, e.g. {@link RetryPolicy#reads()}
     * @return the spec
     */
    public static Retry readOnly(RetryPolicy policy) {
        return spec(policy, error -> isRolledBack(error) || isConnectionFailure(error));
    }

    /**
     * Whether PostgreSQL reported rolling the transaction back for a conflict ({@code 40001},
     * {@code 40P01}), anywhere in the error's causes (Spring wraps the driver's exception).
     *
     * @param error any error
     * @return {@code true} when running the transaction again is safe and may succeed
     */
    public static boolean isRolledBack(Throwable error) {
        String state = sqlState(error);
        return state != null && ROLLED_BACK.contains(state);
    }

    private static boolean isConnectionFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof R2dbcNonTransientResourceException || cause instanceof R2dbcTransientResourceException
                    || cause instanceof ClosedChannelException || cause instanceof IOException) {
                return true;
            }
            String state = cause instanceof R2dbcException r2dbc ? r2dbc.getSqlState() : null;
            if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private static @Nullable String sqlState(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null) {
                return r2dbc.getSqlState();
            }
        }
        return null;
    }

    private static Retry spec(RetryPolicy policy, Predicate<Throwable> retryable) {
        return Retry.from(signals -> signals.concatMap(signal -> {
            long retry = signal.totalRetries() + 1;
            if (retry >= policy.maxAttempts() || !retryable.test(signal.failure())) {
                return Flux.error(signal.failure());
            }
            return Mono.delay(policy.delay((int) retry, ThreadLocalRandom.current())).thenReturn(retry);
        }));
    }
}
