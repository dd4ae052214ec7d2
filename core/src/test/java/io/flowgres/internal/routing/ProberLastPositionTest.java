package io.flowgres.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/** What replicas are measured against while the writer cannot be probed (LagWithoutWriter.LAST_WRITER_POSITION). */
final class ProberLastPositionTest {

    @Test
    void theWritersLastFlushPositionWhenAReplicaInRotationReceivedAllOfIt() {
        assertThat(Prober.lastPositionReference(1_000, LongStream.of(900, 1_000))).isEqualTo(1_000);
        assertThat(Prober.lastPositionReference(1_000, LongStream.of(1_200))).as("streamed after the last probe")
                .isEqualTo(1_000);
    }

    @Test
    void walTheWriterNeverSentCountsForNobody() {
        // Flushed on the writer, not yet sent when it froze: no reachable node has it.
        assertThat(Prober.lastPositionReference(1_552, LongStream.of(1_000, 1_000))).isEqualTo(1_000);
    }

    @Test
    void withoutAReplicaInRotationTheLastFlushPositionStands() {
        assertThat(Prober.lastPositionReference(1_000, LongStream.empty())).isEqualTo(1_000);
        assertThat(Prober.lastPositionReference(1_000, LongStream.of(-1))).as("no receive position").isEqualTo(1_000);
    }

    @Test
    void nothingBeforeTheWriterWasProbedOnce() {
        assertThat(Prober.lastPositionReference(-1, LongStream.of(1_000))).isEqualTo(-1);
    }
}
