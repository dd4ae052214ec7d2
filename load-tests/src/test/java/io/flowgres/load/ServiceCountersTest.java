package io.flowgres.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class ServiceCountersTest {

    @Test
    void aPercentileOfTheServerTimerIsShownAsRouteStatusQuantileAndMilliseconds() {
        String line = "http_server_requests_seconds{error=\"none\",exception=\"none\",method=\"GET\","
                + "outcome=\"SUCCESS\",status=\"200\",uri=\"/api/pitches/{id}\",quantile=\"0.99\"} 0.004452352";

        assertThat(ServiceCounters.serverLatency(line)).isEqualTo("GET /api/pitches/{id} 200 p0.99 4.45");
    }

    @Test
    void aSmallValueInScientificNotationIsRead() {
        String line = "http_server_requests_seconds{method=\"GET\",status=\"200\",uri=\"/api/health\","
                + "quantile=\"0.5\"} 2.19136E-4";

        assertThat(ServiceCounters.serverLatency(line)).isEqualTo("GET /api/health 200 p0.5 0.22");
    }
}
