package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.local.PostgresCluster;
import io.flowgres.metrics.SlowQueryLog;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.Test;

/**
 * The reference service's warm-up runs its read paths before it is ready, and those first runs are
 * slow by construction: they must not fill the slow-query report that is there for the service's
 * traffic. With a threshold of one microsecond every read is slow, so the report's content says
 * exactly which reads were kept.
 */
@FlowgresCluster(replicas = 1)
final class WarmUpIT {

    @Test
    void theWarmUpsReadsStayOutOfTheSlowQueryReportWhileTrafficIsReported(PostgresCluster cluster) {
        try (ReferenceService service = ReferenceService.start(cluster, 100, "--flowgres.cache.enabled=false",
                "--flowgres.slow-query.threshold=1us")) {
            SlowQueryLog slowQueries = service.bean(Flowgres.class).slowQueries();
            assertThat(slowQueries.threshold()).isEqualTo(Duration.ofNanos(1000));
            assertThat(slowQueries.topByCount(10)).as("slow queries right after the start").isEmpty();

            service.client().get().uri("/api/pitches/{id}", 1).exchange().expectStatus().isOk()
                    .expectBody(Void.class);

            // The attempt is recorded when its publisher ends, which may be just after the response left.
            Await.until("the request's read in the slow-query report", () -> slowQueries.topByCount(10).stream()
                    .anyMatch(stats -> stats.query().equals("pitches.byId")), Duration.ofSeconds(10));
        }
    }
}
