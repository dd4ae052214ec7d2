package io.flowgres.load.bench;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Closed-model load: a fixed number of workers, each sending its next request as soon as its last
 * one answered, until a deadline. Request ids are drawn uniformly from {@code 1..maxId} by one
 * seeded generator per worker, so two contenders run with the same seed read the same ids.
 */
final class ClosedLoop {

    private ClosedLoop() {
    }

    /**
     * Runs the load and records every answered request's latency.
     *
     * @param workers the number of concurrent workers (the concurrency)
     * @param duration how long to send requests; requests in flight at the deadline still finish
     * @param maxId the highest id to request
     * @param seed seeds the workers' id generators
     * @param request sends one request for an id; a value is a success, empty or an error a failure
     * @param recorder receives latencies and failures
     * @return the seconds measured, from the first request to the last answer
     */
    static double run(int workers, Duration duration, long maxId, long seed, LongFunction<Mono<?>> request,
            LatencyRecorder recorder) {
        long started = System.nanoTime();
        long deadline = started + duration.toNanos();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        Flux.range(0, workers)
                .flatMap(worker -> {
                    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + worker);
                    return Mono.defer(() -> {
                                long sent = System.nanoTime();
                                return request.apply(random.nextLong(1, maxId + 1)).hasElement()
                                        .doOnNext(answered -> {
                                            if (answered) {
                                                recorder.record(System.nanoTime() - sent);
                                            } else {
                                                recorder.fail();
                                            }
                                        })
                                        .onErrorResume(error -> {
                                            firstError.compareAndSet(null, error);
                                            recorder.fail();
                                            return Mono.empty();
                                        });
                            })
                            .repeat(() -> System.nanoTime() < deadline);
                }, workers)
                .blockLast(duration.plusSeconds(60));
        Throwable error = firstError.get();
        if (error != null) {
            System.out.println("  first failure: " + error);
        }
        return (System.nanoTime() - started) / 1e9;
    }
}
