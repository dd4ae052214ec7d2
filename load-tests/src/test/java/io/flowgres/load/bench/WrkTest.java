package io.flowgres.load.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Reading wrk's report: the script's counts, the percentiles in their units, the maximum, timeouts. */
final class WrkTest {

    private static final String REPORT = """
            Running 15s test @ http://127.0.0.1:8080
              1 threads and 2000 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   160.15ms  460.31ms   9.88s    98.91%
                Req/Sec     9.25k     4.02k   18.34k    76.35%
              Latency Distribution
                 50%  376.00us
                 75%  152.69ms
                 90%  194.83ms
                 99%    1.04s\s
              137136 requests in 15.01s, 25.24MB read
              Socket errors: connect 0, read 0, write 0, timeout 62
              Non-2xx or 3xx responses: 100000
            Requests/sec:   9135.61
            Transfer/sec:      1.68MB
            counted 37074 100000 62
            took 137136 15010000
            quantile 0 100
            quantile 50 376
            quantile 99 1040000
            quantile 100 9880000
            """;

    @Test
    void aReportIsReadInMilliseconds() {
        Wrk.Result result = Wrk.parse(REPORT, Duration.ofSeconds(15));
        assertThat(result.ok()).isEqualTo(37_074);
        assertThat(result.refused()).isEqualTo(100_000);
        assertThat(result.other()).isEqualTo(62);
        assertThat(result.timeouts()).isEqualTo(62);
        assertThat(result.p50()).isCloseTo(0.376, within(1e-9));
        assertThat(result.p90()).isCloseTo(194.83, within(1e-9));
        assertThat(result.p99()).isCloseTo(1040, within(1e-9));
        assertThat(result.max()).isCloseTo(9880, within(1e-9));
        assertThat(result.seconds()).isCloseTo(15.01, within(1e-9));
        assertThat(result.throughput()).isCloseTo(37_074 / 15.01, within(1e-9));
    }

    @Test
    void aReplayGivesTheRecorderWrksPercentilesAndItsFailures() {
        Wrk.Result result = Wrk.parse(REPORT, Duration.ofSeconds(15));
        LatencyRecorder recorder = new LatencyRecorder(100_000);
        result.replayInto(recorder);
        LatencyRecorder.Summary summary = recorder.summarise(result.seconds());
        assertThat(summary.requests()).isEqualTo(37_074);
        assertThat(summary.failures()).as("refusals, other answers and timeouts").isEqualTo(100_124);
        assertThat(summary.p50()).isCloseTo(0.376, within(0.05));
        assertThat(summary.p99()).isCloseTo(1040, within(50.0));
        assertThat(summary.max()).isLessThanOrEqualTo(9880).isGreaterThan(9000);
    }

    @Test
    void aReportWithoutTheScriptsCountsIsRefused() {
        assertThatIllegalStateException().isThrownBy(() -> Wrk.parse("Running 1s test", Duration.ofSeconds(1)))
                .withMessageContaining("no counts");
    }
}
