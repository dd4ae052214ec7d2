package io.flowgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

final class SqlStatesTest {

    @ParameterizedTest(name = "{0} transient={1} infrastructure={2}")
    @CsvSource({
        // connection exceptions (class 08) and shutdowns: retry elsewhere, count against the node
        "08000, true, true", "08003, true, true", "08006, true, true", "08001, true, true", "08004, true, true",
        "57P01, true, true", "57P02, true, true", "57P03, true, true",
        // too many connections: retry, and the node is overloaded
        "53300, true, true",
        // rolled back by concurrency: retry the transaction, the node is fine
        "40001, true, false", "40P01, true, false",
        // never retried: syntax, constraints, permissions, data
        "42601, false, false", "42P01, false, false", "23505, false, false", "23503, false, false",
        "42501, false, false", "22P02, false, false", "22001, false, false",
        // statement cancelled / timed out by the server: not retried blindly
        "57014, false, false",
        // lock not available: only when configured
        "55P03, false, false"
    })
    void classifiesBySqlState(String state, boolean transientError, boolean infrastructure) {
        R2dbcNonTransientResourceException error = new R2dbcNonTransientResourceException("server says", state);

        assertThat(SqlStates.sqlState(error)).isEqualTo(state);
        assertThat(SqlStates.isTransient(error, false)).isEqualTo(transientError);
        assertThat(SqlStates.isInfrastructureFailure(error)).isEqualTo(infrastructure);
    }

    @Test
    void lockNotAvailableIsRetriedOnlyWhenConfigured() {
        R2dbcTransientResourceException error = new R2dbcTransientResourceException("lock", "55P03");

        assertThat(SqlStates.isTransient(error, false)).isFalse();
        assertThat(SqlStates.isTransient(error, true)).isTrue();
    }

    @Test
    void lostConnectionsWithoutSqlStateAreTransientWhateverTheR2dbcMarker() {
        assertThat(SqlStates.isTransient(new R2dbcNonTransientResourceException("closed"), false)).isTrue();
        assertThat(SqlStates.isTransient(new RuntimeException(new ClosedChannelException()), false)).isTrue();
        assertThat(SqlStates.isTransient(new IOException("reset by peer"), false)).isTrue();
        assertThat(SqlStates.isConnectionFailure(new R2dbcTransientResourceException("gone"))).isTrue();
    }

    @Test
    void timeoutsAreTransient() {
        assertThat(SqlStates.isTransient(new TimeoutException(), false)).isTrue();
        assertThat(SqlStates.isTransient(new R2dbcTimeoutException("acquire"), false)).isTrue();
        assertThat(SqlStates.isTimeout(new IllegalStateException(new TimeoutException()))).isTrue();
    }

    @Test
    void programmingErrorsAreNeverRetried() {
        assertThat(SqlStates.isTransient(new R2dbcBadGrammarException("syntax", "42601"), false)).isFalse();
        assertThat(SqlStates.isTransient(new R2dbcDataIntegrityViolationException("dup", "23505"), false)).isFalse();
        assertThat(SqlStates.isTransient(new R2dbcPermissionDeniedException("no", "42501"), false)).isFalse();
        assertThat(SqlStates.isTransient(new IllegalArgumentException("bug"), false)).isFalse();
        assertThat(SqlStates.isTransactionRollback(new R2dbcRollbackException("serialization", "40001"))).isTrue();
    }

    @Test
    void aCyclicCauseChainEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        assertThat(SqlStates.causes(a)).containsExactly(a, b);
        assertThat(SqlStates.isTransient(a, false)).isFalse();
        assertThat(SqlStates.sqlState(a)).isNull();
    }
}
