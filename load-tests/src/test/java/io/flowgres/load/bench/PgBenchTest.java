package io.flowgres.load.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading pgbench's per-transaction log lines. */
final class PgBenchTest {

    @Test
    void latencyIsTheThirdField() {
        assertThat(PgBench.latencyMicros("3 1207 542 0 1764788123 412345")).isEqualTo(542);
    }

    @Test
    void latencyOfALineWithScheduleLagIsStillTheThirdField() {
        assertThat(PgBench.latencyMicros("12 7 10250 0 1764788123 412345 17")).isEqualTo(10_250);
    }

    @Test
    void failedTransactionHasNoLatency() {
        assertThat(PgBench.latencyMicros("3 1208 failed 0 1764788123 412399")).isEqualTo(-1);
    }

    @Test
    void shortOrEmptyLineHasNoLatency() {
        assertThat(PgBench.latencyMicros("")).isEqualTo(-1);
        assertThat(PgBench.latencyMicros("3 1208")).isEqualTo(-1);
        assertThat(PgBench.latencyMicros("3 1208 ")).isEqualTo(-1);
    }

    @Test
    void lineEndingAfterTheLatencyStillCounts() {
        assertThat(PgBench.latencyMicros("3 1208 77")).isEqualTo(77);
    }
}
