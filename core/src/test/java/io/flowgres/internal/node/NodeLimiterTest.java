package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import com.netflix.concurrency.limits.Limiter;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.PoolPolicy;
import org.junit.jupiter.api.Test;

/** The concurrency limit refuses at once beyond its limit and never below the pool's size. */
final class NodeLimiterTest {

    private final AtomicLong clock = new AtomicLong();
    private final PoolPolicy pool = PoolPolicy.test().toBuilder().initialSize(1).maxSize(4).build();

    @Test
    void refusesWorkBeyondTheLimitAtOnce() {
        NodeLimiter limiter = new NodeLimiter("replica-1", pool, AvailabilityPolicy.defaults(), clock::get);
        List<Limiter.Listener> admitted = new ArrayList<>();
        Optional<Limiter.Listener> next;
        while ((next = limiter.tryAcquire()).isPresent() && admitted.size() < 10_000) {
            admitted.add(next.get());
        }

        assertThat(admitted.size()).as("admitted before the first refusal").isEqualTo(limiter.limit())
                .isGreaterThanOrEqualTo(pool.maxSize());
        assertThat(limiter.tryAcquire()).isEmpty();
        admitted.remove(0).onSuccess();
        assertThat(limiter.tryAcquire()).as("room again after one ends").isPresent();
    }

    @Test
    void limitNeverDropsBelowThePoolSize() {
        NodeLimiter limiter = new NodeLimiter("replica-1", pool, AvailabilityPolicy.defaults(), clock::get);
        for (int i = 0; i < 500; i++) {
            Limiter.Listener listener = limiter.tryAcquire().orElseThrow();
            clock.addAndGet(1_000_000L * (1 + i)); // latency growing without end
            listener.onDropped();
        }

        assertThat(limiter.limit()).isGreaterThanOrEqualTo(pool.maxSize());
    }

    @Test
    void limitsOffAdmitEverything() {
        NodeLimiter limiter = new NodeLimiter("replica-1", pool,
                AvailabilityPolicy.builder().concurrencyLimits(false).build(), clock::get);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.tryAcquire()).isPresent();
        }
        assertThat(limiter.limit()).isEqualTo(-1);
    }
}
