package io.flowgres.web.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
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
 * when its response is committed, or when it fails or is cancelled.
 */
final class AdmissionFilterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdmissionFilter filter = new AdmissionFilter(1, 1, List.of("/api/"), List.of("/api/health"),
            registry);

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
        assertThat(registry.counter(AdmissionFilter.REJECTED).count()).isEqualTo(1.0);

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
        assertThat(registry.counter(AdmissionFilter.REJECTED).count()).isZero();
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
    void boundsOutOfOrderAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new AdmissionFilter(0, 1, List.of(), List.of(),
                registry));
        assertThatIllegalArgumentException().isThrownBy(() -> new AdmissionFilter(5, 4, List.of(), List.of(),
                registry));
    }

    private static MockServerWebExchange exchange(String path) {
        return MockServerWebExchange.from(MockServerHttpRequest.get(path));
    }

    /** A chain whose handler answers 200 at once. */
    private static WebFilterChain passing() {
        return exchange -> Mono.fromRunnable(() -> exchange.getResponse().setStatusCode(HttpStatus.OK));
    }
}
