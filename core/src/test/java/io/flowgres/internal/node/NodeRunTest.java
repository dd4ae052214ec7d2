package io.flowgres.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.internal.NodeAcquireException;
import io.flowgres.internal.SignalHooks;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * What one attempt tells its node's breaker, concurrency limit and load, however it ends: against a
 * port that refuses connections, and one whose server never answers (a frozen node: the kernel
 * accepts the connection, nobody reads it), on virtual time.
 */
final class NodeRunTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final ServerSocket frozen;
    private final CircuitBreaker breaker = CircuitBreaker.of("node", CircuitBreakerConfig.custom()
            .permittedNumberOfCallsInHalfOpenState(1).build());
    private Node node;
    /** What the caller's hooks saw: every end of the attempt, refusals and deadlines included. */
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final SignalHooks<Integer> caller = new SignalHooks<>() {
        @Override
        protected Throwable onError(Throwable error) {
            told.add("error " + error.getClass().getSimpleName());
            return error;
        }

        @Override
        protected void onCancel() {
            told.add("cancel");
        }
    };

    NodeRunTest() throws IOException {
        frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        if (node != null) {
            node.close().block(Duration.ofSeconds(10));
        }
        frozen.close();
        time.dispose();
    }

    private Node open(int port) {
        return open(port, time);
    }

    private Node open(int port, Scheduler timer) {
        NodeConfig config = NodeConfig.of("node", "r2dbc:postgresql://127.0.0.1:" + port + "/none");
        ClusterConfig cluster = ClusterConfig.builder().primary(config).credentials("user", "password").build();
        node = Node.open(config, NodeRole.PRIMARY, cluster, breaker, timer, () -> time.now(TimeUnit.NANOSECONDS),
                PoolObserver.NONE);
        return node;
    }

    private static Flux<Integer> oneRow(Connection connection) {
        return Flux.from(connection.createStatement("SELECT 1").execute()).flatMap(result -> result.map(row -> 1));
    }

    private void assertNothingHeld() {
        assertThat(node.load().inFlight()).as("attempts in flight").isZero();
        assertThat(node.limiter().inFlight()).as("permits of the limit held").isZero();
    }

    @Test
    void aFailedAcquireIsOneCallOfTheBreakerAndHoldsNothingAfter() throws IOException {
        int refusing;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refusing = closed.getLocalPort();
        }
        open(refusing);

        StepVerifier.create(node.run(NodeRunTest::oneRow, null, false, false, caller))
                .expectError(NodeAcquireException.class)
                .verify(Duration.ofSeconds(10));

        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertNothingHeld();
        assertThat(told).containsExactly("error NodeAcquireException");
    }

    @Test
    void anOpenBreakerRefusesWithoutTakingAPermitOrCountingLoad() {
        open(frozen.getLocalPort());
        breaker.transitionToOpenState();

        StepVerifier.create(node.run(NodeRunTest::oneRow, null, false, false, caller))
                .expectError(CallNotPermittedException.class)
                .verify(Duration.ofSeconds(10));

        assertNothingHeld();
        assertThat(told).as("the caller's hooks see the refusal").containsExactly("error CallNotPermittedException");
    }

    @Test
    void anAttemptCancelledBeforeAnyAnswerGivesTheBreakersTrialCallBack() {
        open(frozen.getLocalPort());
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        Disposable waiting = node.run(NodeRunTest::oneRow, null, false, false, caller).subscribe();
        assertThat(node.load().inFlight()).isEqualTo(1);
        assertThat(breaker.tryAcquirePermission()).as("the only trial call is taken").isFalse();
        waiting.dispose();

        assertNothingHeld();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("a cancel is no call").isZero();
        assertThat(breaker.tryAcquirePermission()).as("the trial call is back").isTrue();
        assertThat(told).containsExactly("cancel");
    }

    @Test
    void aDeadlineReachedOnAFrozenNodeIsTheBreakersFailure() {
        open(frozen.getLocalPort());

        StepVerifier.create(node.run(NodeRunTest::oneRow, Duration.ofMillis(100), false, false, caller))
                .then(() -> time.advanceTimeBy(Duration.ofMillis(200)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TimeoutException.class)
                        .hasMessageContaining("deadline of 100 ms"))
                .verify(Duration.ofSeconds(10));

        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertNothingHeld();
        assertThat(told).as("outside the watch, the deadline is an error").containsExactly("error TimeoutException");
    }

    @Test
    void anAttemptItsTimerRefusesGivesBackWhatItTook() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        Scheduler shutDown = Schedulers.fromExecutorService(executor);
        open(frozen.getLocalPort(), shutDown);
        executor.shutdownNow(); // a timer shut down refuses the watch's sweep
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        StepVerifier.create(node.run(NodeRunTest::oneRow, Duration.ofMillis(100), false, false, caller))
                .expectError(RejectedExecutionException.class)
                .verify(Duration.ofSeconds(10));

        assertNothingHeld();
        assertThat(breaker.tryAcquirePermission()).as("the trial call is back").isTrue();
        assertThat(told).containsExactly("error RejectedExecutionException");
    }
}
