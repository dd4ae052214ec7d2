package io.flowgres.web.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowgres.routing.ConsistencyToken;
import org.junit.jupiter.api.Test;
import reactor.util.context.Context;

/** The token a response carries covers every write of its request. */
final class WriteTokensTest {

    @Test
    void theFurthestPositionIsKeptAndAWriterOnlyTokenWins() {
        WriteTokens writes = new WriteTokens();
        assertThat(writes.latest()).isEmpty();

        writes.record(ConsistencyToken.parse("0/200"));
        writes.record(ConsistencyToken.parse("0/100"));
        assertThat(writes.latest()).contains(ConsistencyToken.parse("0/200"));

        writes.record(ConsistencyToken.writerOnly());
        writes.record(ConsistencyToken.parse("0/300"));
        assertThat(writes.latest()).contains(ConsistencyToken.writerOnly());
    }

    @Test
    void aRequestsRecordIsFoundInItsContext() {
        WriteTokens writes = new WriteTokens();
        assertThat(WriteTokens.of(Context.of(WriteTokens.class, writes))).containsSame(writes);
        assertThat(WriteTokens.of(Context.empty())).isEmpty();
    }
}
