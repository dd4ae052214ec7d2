package io.flowgres.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;

/**
 * The one place that classifies database errors for retries and circuit breakers.
 *
 * <p>Classification is by SQLSTATE and by exception type, not by the R2DBC "transient" marker:
 * r2dbc-postgresql reports a lost connection (class {@code 08}, a closed channel) as a
 * <em>non</em>-transient resource exception, although it is exactly the failure a retry on
 * another node can fix.
 */
public final class SqlStates {

    /** {@code 40001}: the transaction could not be serialized and was rolled back. */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** {@code 40P01}: the transaction was chosen as a deadlock victim and rolled back. */
    public static final String DEADLOCK_DETECTED = "40P01";
    /** {@code 53300}: the server has no free connection slot. */
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** {@code 55P03}: a {@code NOWAIT} or {@code lock_timeout} lock could not be taken. */
    public static final String LOCK_NOT_AVAILABLE = "55P03";
    /** {@code 57014}: the statement was cancelled, for example by {@code statement_timeout}. */
    public static final String QUERY_CANCELED = "57014";
    /** {@code 25006}: a write was sent to a read-only transaction, e.g. on a hot standby. */
    public static final String READ_ONLY_SQL_TRANSACTION = "25006";

    private static final Set<String> SHUTDOWN_STATES = Set.of(
            "57P01", // admin_shutdown, also pg_terminate_backend
            "57P02", // crash_shutdown
            "57P03"); // cannot_connect_now (starting up, shutting down, recovering)

    private SqlStates() {
    }

    /**
     * Returns the SQLSTATE of the first R2DBC exception in the cause chain.
     *
     * @param error any error
     * @return the SQLSTATE, or {@code null} when no cause carries one
     */
    public static @Nullable String sqlState(Throwable error) {
        for (Throwable t : causes(error)) {
            if (t instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null) {
                return r2dbc.getSqlState();
            }
        }
        return null;
    }

    /**
     * Whether the error means the connection to the server failed or was lost: SQLSTATE class
     * {@code 08}, a server shutdown or termination ({@code 57P01}-{@code 57P03}), a closed
     * channel or I/O failure, or an R2DBC resource exception without a SQLSTATE.
     *
     * @param error any error
     * @return {@code true} for connection-level failures
     */
    public static boolean isConnectionFailure(Throwable error) {
        String state = sqlState(error);
        if (state != null) {
            return state.startsWith("08") || SHUTDOWN_STATES.contains(state);
        }
        for (Throwable t : causes(error)) {
            if (t instanceof ClosedChannelException || t instanceof IOException
                    || t instanceof R2dbcNonTransientResourceException
                    || t instanceof R2dbcTransientResourceException
                    || t.getClass().getName().endsWith("PostgresConnectionClosedException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether PostgreSQL rolled the transaction back because of concurrent work, so that running
     * the whole transaction again is safe and may succeed.
     *
     * @param error any error
     * @return {@code true} for {@code 40001} and {@code 40P01}
     */
    public static boolean isTransactionRollback(Throwable error) {
        String state = sqlState(error);
        return SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state);
    }

    /**
     * Whether the error is worth another attempt: connection failures, rolled-back transactions,
     * {@code 53300}, timeouts (of the driver or of acquiring a connection), and {@code 55P03} when
     * {@code lockNotAvailableIsTransient}. Syntax, constraint, permission and data errors are never
     * transient, and neither is the caller's own cancellation (which never reaches here as an error).
     *
     * @param error any error
     * @param lockNotAvailableIsTransient whether a failed {@code NOWAIT}/lock-timeout lock is retried
     * @return {@code true} when a retry may succeed
     */
    public static boolean isTransient(Throwable error, boolean lockNotAvailableIsTransient) {
        String state = sqlState(error);
        if (state != null) {
            return state.startsWith("08")
                    || SHUTDOWN_STATES.contains(state)
                    || SERIALIZATION_FAILURE.equals(state)
                    || DEADLOCK_DETECTED.equals(state)
                    || TOO_MANY_CONNECTIONS.equals(state)
                    || (lockNotAvailableIsTransient && LOCK_NOT_AVAILABLE.equals(state));
        }
        return isTimeout(error) || isConnectionFailure(error);
    }

    /**
     * Whether the error says the infrastructure (not the query) is failing, which is what a
     * circuit breaker should count: connection failures, {@code 53300}, shutdowns and timeouts.
     * Constraint violations, bad SQL and serialization conflicts are the caller's or the data's
     * business and leave the breaker alone.
     *
     * @param error any error
     * @return {@code true} when the node itself looks unhealthy
     */
    public static boolean isInfrastructureFailure(Throwable error) {
        String state = sqlState(error);
        if (state != null) {
            return state.startsWith("08") || SHUTDOWN_STATES.contains(state)
                    || TOO_MANY_CONNECTIONS.equals(state) || state.startsWith("58") || state.startsWith("XX");
        }
        return isTimeout(error) || isConnectionFailure(error);
    }

    /**
     * Whether the error is a timeout of the driver, of a pool acquire, or of a deadline.
     *
     * @param error any error
     * @return {@code true} for timeouts
     */
    public static boolean isTimeout(Throwable error) {
        for (Throwable t : causes(error)) {
            if (t instanceof TimeoutException || t instanceof R2dbcTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error and its causes, outermost first, each once: a cause chain that loops back on itself
     * (A caused by B caused by A) ends instead of spinning forever.
     *
     * @param error any error
     * @return the distinct errors of the chain, at most 64
     */
    public static List<Throwable> causes(Throwable error) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && chain.size() < 64 && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * The one short, safe word for why something failed, for metric tags, retry counters and health
     * reports: {@code acquire} (no pooled connection), {@code overloaded} (at the node's concurrency
     * limit), {@code breaker} (circuit breaker open),
     * {@code rollback} (40001/40P01), {@code timeout}, {@code connection} (lost or refused), or
     * {@code sqlstate <code>} for any other server error, else {@code other}. Never a message, so
     * never a host or a secret.
     *
     * @param error any error
     * @return the reason
     */
    public static String reason(Throwable error) {
        for (Throwable t : causes(error)) {
            if (t instanceof NodeAcquireException) {
                return "acquire";
            }
            if (t instanceof NodeOverloadedException) {
                return "overloaded";
            }
            if (t instanceof CallNotPermittedException) {
                return "breaker";
            }
        }
        if (isTransactionRollback(error)) {
            return "rollback";
        }
        if (isTimeout(error)) {
            return "timeout";
        }
        if (isConnectionFailure(error)) {
            return "connection";
        }
        String state = sqlState(error);
        return state == null ? "other" : "sqlstate " + state;
    }
}
