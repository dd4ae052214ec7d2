package io.flowgres.web.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The admission filter at its limit: a request past it is refused at once with 503, Retry-After and a
 * problem body, and counted; excluded and unlimited paths always pass; a request frees its place
 * when its response is committed, or when it fails or is cancelled; reads and writes have a limit each.
 */
final class AdmissionFilterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdmissionFilter filter = new AdmissionFilter(1, 1, 1, List.of("/api/"), List.of("/api/health"),
            registry);

    @Test
    void itsNameIsOneConstantStringForTheChainsCheckpointOfEveryRequest() {
        assertThat(filter.toString()).isEqualTo("Flowgres admission filter").isSameAs(filter.toString());
    }

    @Test
    void pastTheLimitARequestIsRefusedAtOnceAndExcludedPathsStillPass() {
        Sinks.Empty<Void> release = Sinks.empty();
        Disposable holding = filter.filter(exchange("/api/slow"), exchange -> release.asMono()).subscribe();

        MockServerWebExchange refused = exchange("/api/fast");
        filter.filter(refused, passing()).block(WAIT);
        assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponse().getBodyAsString().block(WAIT)).contains("\"status\":503",
                "\"title\":\"Service overloaded\"");
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "read").count()).isEqualTo(1.0);

        for (String path : List.of("/api/health", "/other")) {
            MockServerWebExchange passed = exchange(path);
            filter.filter(passed, passing()).block(WAIT);
            assertThat(passed.getResponse().getStatusCode()).as(path).isEqualTo(HttpStatus.OK);
        }

        release.tryEmitEmpty();
        holding.dispose();
        MockServerWebExchange after = exchange("/api/fast");
        filter.filter(after, passing()).block(WAIT);
        assertThat(after.getResponse().getStatusCode()).as("once the first finished").isEqualTo(HttpStatus.OK);
    }

    @Test
    void aRequestsPlaceIsFreeOnceItsResponseIsCommittedBeforeItsChainEnds() {
        // The response goes out, but the chain has not completed (the server still flushes and ends the
        // exchange): a client that sends its next request the moment it has the answer is admitted.
        Disposable answered = filter.filter(exchange("/api/first"), exchange -> {
            exchange.getResponse().setStatusCode(HttpStatus.OK);
            return exchange.getResponse().setComplete().then(Mono.never());
        }).subscribe();

        MockServerWebExchange next = exchange("/api/next");
        filter.filter(next, passing()).block(WAIT);
        assertThat(next.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(registry.find(AdmissionFilter.REJECTED).counters()).allSatisfy(counter -> assertThat(counter.count()).isZero());
        answered.dispose();
    }

    @Test
    void aCancelledRequestFreesItsPlace() {
        Disposable cancelled = filter.filter(exchange("/api/gone"), exchange -> Mono.never()).subscribe();
        cancelled.dispose();

        MockServerWebExchange next = exchange("/api/next");
        filter.filter(next, passing()).block(WAIT);
        assertThat(next.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void writesAtTheirLimitLeaveReadsTheirOwnAndTheOtherWayRound() {
        // A write waiting on a primary that stopped answering must not take a replica read's place.
        Sinks.Empty<Void> release = Sinks.empty();
        Disposable write = filter.filter(exchange(HttpMethod.POST, "/api/hung"), exchange -> release.asMono())
                .subscribe();

        MockServerWebExchange secondWrite = exchange(HttpMethod.PUT, "/api/other");
        filter.filter(secondWrite, passing()).block(WAIT);
        assertThat(secondWrite.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        MockServerWebExchange read = exchange(HttpMethod.GET, "/api/read");
        filter.filter(read, passing()).block(WAIT);
        assertThat(read.getResponse().getStatusCode()).as("a read beside a write at its limit").isEqualTo(HttpStatus.OK);
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "write").count()).isEqualTo(1.0);
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "read").count()).isZero();
        release.tryEmitEmpty();
        write.dispose();

        Disposable read2 = filter.filter(exchange(HttpMethod.GET, "/api/hung"), exchange -> Mono.never()).subscribe();
        MockServerWebExchange head = exchange(HttpMethod.HEAD, "/api/read");
        filter.filter(head, passing()).block(WAIT);
        assertThat(head.getResponse().getStatusCode()).as("HEAD reads").isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        MockServerWebExchange delete = exchange(HttpMethod.DELETE, "/api/write");
        filter.filter(delete, passing()).block(WAIT);
        assertThat(delete.getResponse().getStatusCode()).as("a write beside a read at its limit").isEqualTo(HttpStatus.OK);
        read2.dispose();
        assertThat(registry.get(AdmissionFilter.LIMIT).tag(AdmissionFilter.LANE, "read").gauge().value()).isEqualTo(1.0);
        assertThat(filter.readLimit()).isEqualTo(1);
        assertThat(filter.writeLimit()).isEqualTo(1);
    }

    @Test
    void boundsOutOfOrderAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new AdmissionFilter(0, 1, 1, List.of(), List.of(),
                registry));
        assertThatIllegalArgumentException().isThrownBy(() -> new AdmissionFilter(5, 4, 5, List.of(), List.of(),
                registry));
        assertThatIllegalArgumentException().isThrownBy(() -> new AdmissionFilter(5, 5, 4, List.of(), List.of(),
                registry));
    }

    private static MockServerWebExchange exchange(String path) {
        return exchange(HttpMethod.GET, path);
    }

    private static MockServerWebExchange exchange(HttpMethod method, String path) {
        return MockServerWebExchange.from(MockServerHttpRequest.method(method, path));
    }

    /** A chain whose handler answers 200 at once. */
    private static WebFilterChain passing() {
        return exchange -> Mono.fromRunnable(() -> exchange.getResponse().setStatusCode(HttpStatus.OK));
    }
}
