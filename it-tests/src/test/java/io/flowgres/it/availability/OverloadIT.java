package io.flowgres.it.availability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.local.PostgresCluster;
import io.flowgres.query.Query;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Far more concurrent work than a node's pool and queue can hold: the excess is refused at the
 * node's concurrency limit as unavailable (with a retry-after), none of it waits for an acquire
 * timeout, and the work admitted completes. Work past the limit that the pool's queue can still hold
 * is not failed by the limit: refused once, it waits in the queue.
 */
@FlowgresCluster(replicas = 0)
final class OverloadIT {

    private static final Query SLOW = Query.named("overload.slow");

    @Test
    void workBeyondTheLimitIsRefusedAtOnceAndAdmittedWorkCompletes(PostgresCluster cluster) {
        PoolPolicy pool = PoolPolicy.test().toBuilder().initialSize(1).maxSize(2).maxPendingAcquires(2)
                .maxAcquireTime(Duration.ofSeconds(5)).build();
        try (Flowgres flowgres = Flowgres.create(cluster.clusterConfig().pool(pool).build())) {
            List<String> outcomes = Flux.range(0, 40)
                    .flatMap(i -> flowgres.read(SLOW, connection -> Flux.from(connection
                                    .createStatement("SELECT pg_sleep(0.3)").execute())
                            .flatMap(result -> result.getRowsUpdated()))
                            .then(Mono.just("ok"))
                            .onErrorResume(UnavailableException.class, error -> {
                                assertThat(error).hasMessageContaining("concurrency limit");
                                assertThat(error.retryAfter()).isPositive();
                                return Mono.just("refused");
                            }), 40)
                    .collectList()
                    .block(Duration.ofSeconds(60));

            assertThat(outcomes).hasSize(40).contains("ok", "refused")
                    .as("no acquire timeout: the excess never waited in the pool")
                    .allMatch(outcome -> outcome.equals("ok") || outcome.equals("refused"));
            assertThat(outcomes.stream().filter("ok"::equals).count())
                    .as("admitted at least what the pool holds").isGreaterThanOrEqualTo(pool.maxSize());
            assertThat(flowgres.meterRegistry().get("flowgres.node.rejections").tag("node", "primary").counter()
                    .count()).as("every refusal counted (a refused read may also be tried again at once)")
                    .isGreaterThanOrEqualTo(outcomes.stream().filter("refused"::equals).count());
        } catch (QueryTimeoutException e) {
            throw new AssertionError("work waited for a connection instead of being refused", e);
        }
    }

    @Test
    void workPastTheLimitThatTheQueueCanHoldWaitsInsteadOfFailing(PostgresCluster cluster) {
        // The limit starts at twice the pool (4); the queue holds 40 more, which is all of the excess.
        PoolPolicy pool = PoolPolicy.test().toBuilder().initialSize(1).maxSize(2).maxPendingAcquires(40)
                .maxAcquireTime(Duration.ofSeconds(30)).build();
        try (Flowgres flowgres = Flowgres.create(cluster.clusterConfig().pool(pool).build())) {
            List<String> outcomes = Flux.range(0, 20)
                    .flatMap(i -> flowgres.read(SLOW, connection -> Flux.from(connection
                                    .createStatement("SELECT pg_sleep(0.05)").execute())
                            .flatMap(result -> result.getRowsUpdated()))
                            .then(Mono.just("ok")), 20)
                    .collectList()
                    .block(Duration.ofSeconds(60));

            assertThat(outcomes).as("every read answered").hasSize(20).containsOnly("ok");
            assertThat(flowgres.meterRegistry().get("flowgres.node.rejections").tag("node", "primary").counter()
                    .count()).as("the limit did refuse some of them first").isPositive();
        }
    }
}
