package io.flowgres.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.routing.Router;
import io.flowgres.query.ConflictException;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.QueryFailedException;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import io.flowgres.routing.ConsistencyToken;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcRollbackException;
import org.junit.jupiter.api.Test;

/** Every failure becomes one public exception with the data callers and the web layer need. */
final class ErrorTranslatorTest {

    private static final Duration DEADLINE = Duration.ofSeconds(3);
    private static final Duration BREAKER_OPEN = Duration.ofSeconds(5);
    private static final Attempt SENT = new Attempt(2, "replica-1", Progress.SENT, false, false);

    private static FlowgresException translate(Throwable error) {
        return translate(error, SENT, RetryDecision.Verdict.FAIL);
    }

    private static FlowgresException translate(Throwable error, Attempt attempt, RetryDecision.Verdict verdict) {
        return ErrorTranslator.translate(error, "pitches.byId", attempt, verdict, DEADLINE, BREAKER_OPEN);
    }

    @Test
    void unknownOutcomeNamesQueryNodeAndWhatIsUnknown() {
        Attempt commit = new Attempt(1, "primary", Progress.COMMIT_SENT, false, true);

        FlowgresException error = translate(new R2dbcNonTransientResourceException("closed"), commit,
                RetryDecision.Verdict.OUTCOME_UNKNOWN);

        assertThat(error).isInstanceOf(OutcomeUnknownException.class)
                .hasMessage("pitches.byId on primary: no answer to COMMIT (R2dbcNonTransientResourceException); "
                        + "it may or may not have committed");
        assertThat(error.queryName()).isEqualTo("pitches.byId");
        assertThat(error.nodeName()).isEqualTo("primary");
    }

    @Test
    void committedWorkWhoseAnswerWasLostSaysSo() {
        Attempt committed = new Attempt(1, "primary", Progress.COMMITTED, false, false);

        assertThat(translate(new TimeoutException(), committed, RetryDecision.Verdict.OUTCOME_UNKNOWN))
                .isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("it committed");
    }

    @Test
    void noNodeIsUnavailableWithTheRoutersHint() {
        NoNodeException none = new NoNodeException(new Router.Selection.None("circuit breaker open", "primary",
                Duration.ofMillis(1500)));

        FlowgresException error = translate(none, Attempt.unrouted(1), RetryDecision.Verdict.FAIL);

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessage("pitches.byId: circuit breaker open");
        assertThat(((UnavailableException) error).retryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(error.nodeName()).isEqualTo("primary");
    }

    @Test
    void replicaBehindTheTokenIsUnavailableNamingIt() {
        FlowgresException error = translate(new ReplicaBehindException("replica-1", 0x16B0000L,
                new ConsistencyToken(0x16B3748L)), new Attempt(2, "replica-1", Progress.NOT_SENT, false, true),
                RetryDecision.Verdict.FAIL);

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessageContaining("replica-1 had replayed 0/16B0000, the read needs 0/16B3748");
        assertThat(error.nodeName()).isEqualTo("replica-1");
        assertThat(((UnavailableException) error).retryAfter()).isPositive();
    }

    @Test
    void openBreakerIsUnavailableForItsOpenTime() {
        FlowgresException error = translate(CallNotPermittedException
                .createCallNotPermittedException(CircuitBreaker.ofDefaults("replica-1")));

        assertThat(error).isInstanceOf(UnavailableException.class).hasMessageContaining("circuit breaker open");
        assertThat(((UnavailableException) error).retryAfter()).isEqualTo(BREAKER_OPEN);
    }

    @Test
    void poolAcquireTimeoutIsAnAcquireTimeout() {
        FlowgresException error = translate(new NodeAcquireException("replica-1", new TimeoutException("pool")));

        assertThat(error).isInstanceOf(QueryTimeoutException.class);
        assertThat(((QueryTimeoutException) error).phase()).isEqualTo(QueryTimeoutException.Phase.ACQUIRE);
    }

    @Test
    void refusedConnectionIsUnavailableWithoutTheAddress() {
        FlowgresException error = translate(new NodeAcquireException("replica-1",
                new IOException("Connection refused: /10.1.2.3:5432 r2dbc:postgresql://app:secret@db")));

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessage("pitches.byId on replica-1: cannot obtain a connection (IOException)");
        assertThat(error.getMessage()).doesNotContain("10.1.2.3", "secret", "r2dbc:");
    }

    @Test
    void deadlineIsAnExecuteTimeoutWithItsLimit() {
        FlowgresException error = translate(new TimeoutException("Did not observe any item"));

        assertThat(error).isInstanceOf(QueryTimeoutException.class)
                .hasMessage("pitches.byId on replica-1: deadline of PT3S exceeded");
        assertThat(((QueryTimeoutException) error).limit()).isEqualTo(DEADLINE);
    }

    @Test
    void serverCancelIsATimeoutWithItsSqlState() {
        FlowgresException error = translate(new R2dbcNonTransientResourceException("canceling statement", "57014"));

        assertThat(error).isInstanceOf(QueryTimeoutException.class);
        assertThat(error.sqlState()).isEqualTo("57014");
    }

    @Test
    void constraintsAndRollbacksAreConflicts() {
        assertThat(translate(new R2dbcDataIntegrityViolationException("duplicate key", "23505")))
                .isInstanceOf(ConflictException.class)
                .hasMessage("pitches.byId on replica-1: duplicate key [23505]");
        assertThat(translate(new R2dbcRollbackException("could not serialize", "40001")))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void serverShutdownIsUnavailable() {
        FlowgresException error = translate(new R2dbcNonTransientResourceException("terminating", "57P01"));

        assertThat(error).isInstanceOf(UnavailableException.class);
        assertThat(((UnavailableException) error).retryAfter()).isEqualTo(ErrorTranslator.RECONNECT_HINT);
    }

    @Test
    void dataExceptionsStayQueryFailuresWithTheirSqlState() {
        FlowgresException error = translate(new R2dbcBadGrammarException("invalid input syntax", "22P02"));

        assertThat(error).isExactlyInstanceOf(QueryFailedException.class);
        assertThat(error.sqlState()).isEqualTo("22P02");
    }

    @Test
    void lostConnectionIsUnavailable() {
        assertThat(translate(new R2dbcNonTransientResourceException("closed")))
                .isInstanceOf(UnavailableException.class)
                .hasMessage("pitches.byId on replica-1: connection lost (R2dbcNonTransientResourceException)");
    }

    @Test
    void anythingElseIsAQueryFailureNamedByType() {
        assertThat(translate(new IllegalStateException("row mapper failed on secret value")))
                .isExactlyInstanceOf(QueryFailedException.class)
                .hasMessage("pitches.byId on replica-1: IllegalStateException");
    }

    @Test
    void translatedErrorsPassThrough() {
        UnavailableException already = new UnavailableException("x", "q", null, null, Duration.ZERO, null);

        assertThat(translate(already)).isSameAs(already);
    }
}
