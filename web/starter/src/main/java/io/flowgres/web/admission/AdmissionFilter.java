package io.flowgres.web.admission;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Admits HTTP API requests under an adaptive concurrency limit (Netflix concurrency-limits'
 * Gradient2, on the requests' own latency) and refuses the rest at once: {@code 503} with
 * {@code Retry-After: 1} and a small {@code application/problem+json} body written without any
 * encoder. Without it, work past capacity queues for a database connection and is refused only when
 * a pool's queue is full, after waiting; with it, admitted requests keep their usual latency and a
 * refusal costs the service microseconds.
 *
 * <p>Reads and writes have a limit each, two lanes told apart by the HTTP method: safe methods
 * ({@code GET}, {@code HEAD}, {@code OPTIONS}) in the read lane, every other in the write lane. They go
 * to different nodes (reads to replicas, writes to the primary) at different costs: under one limit,
 * writes waiting on a primary that has stopped answering, until it is found out, took every place and
 * healthy replicas' reads were refused (85 of 4,780 reads in the chaos plan's primary freeze at 300
 * requests a second); and one latency learnt over both mixes a commit's fsync with a point read.
 *
 * <p>Each lane's highest limit is about the connections that serve it. Under a load that never lets
 * up, Gradient2 takes the queue's latency for the normal one and its limit climbs to the highest, so
 * the highest is how many requests wait: at 500 against 60 replica connections, 2,000 clients that
 * waited their {@code Retry-After} were served at a median of 73 ms, at 64 at 5-10 ms, for the same
 * throughput.
 *
 * <p>A request holds its place until its response is committed (status and headers on their way), so
 * a client that sends its next request as soon as it has an answer finds the place free; the latency
 * the limit learns from is the time to that commit.
 *
 * <p>Only paths under the given prefixes are limited, and never the excluded ones: health checks and
 * operations must answer under overload, and long streams (exports) have a limit of their own and
 * would blind a latency-based limit.
 *
 * <p>On Reactor Netty over HTTP/1.1 the same lanes are decided earlier, in each connection's pipeline
 * ({@link AdmissionHandler}), where a refusal is far cheaper; this filter then lets the requests it
 * admitted through, and decides the rest (HTTP/2, pipelined requests, other servers).
 */
public final class AdmissionFilter implements WebFilter, Ordered {

    /** Meter: requests refused at the limit, tagged by {@link #LANE}. */
    public static final String REJECTED = "flowgres.http.admission.rejected";
    /** Meter: the current limit, tagged by {@link #LANE}. */
    public static final String LIMIT = "flowgres.http.admission.limit";
    /** The meters' tag naming the lane: {@code read} or {@code write}. */
    public static final String LANE = "lane";

    /** A refusal's {@code Retry-After}, in seconds, the same wherever it is written. */
    static final String RETRY_AFTER_SECONDS = "1";
    /** The body of a refusal, the same wherever it is written. */
    static final byte[] PROBLEM = ("{\"type\":\"about:blank\",\"title\":\"Service overloaded\",\"status\":503,"
            + "\"detail\":\"This instance is at its concurrency limit; try again after the Retry-After delay.\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final Lane reads;
    private final Lane writes;
    private final List<String> prefixes;
    private final List<String> excluded;

    /**
     * Creates the filter.
     *
     * @param minLimit the lowest each lane's limit goes, at least 1
     * @param readMaxLimit the highest the read lane's limit goes, at least {@code minLimit}: about the
     *        connections that serve reads, since a read admitted past them only waits in a pool's queue
     * @param writeMaxLimit the highest the write lane's limit goes, at least {@code minLimit}
     * @param prefixes the paths limited, by prefix (e.g. {@code /api/})
     * @param excluded the paths never limited, by prefix (e.g. {@code /api/health})
     * @param registry where the refusals and the limit are shown
     * @throws IllegalArgumentException when the bounds are out of order
     */
    public AdmissionFilter(int minLimit, int readMaxLimit, int writeMaxLimit, List<String> prefixes,
            List<String> excluded, MeterRegistry registry) {
        if (minLimit < 1 || readMaxLimit < minLimit || writeMaxLimit < minLimit) {
            throw new IllegalArgumentException("the admission limit's bounds must satisfy 1 <= min <= max, were "
                    + minLimit + " and " + Math.min(readMaxLimit, writeMaxLimit));
        }
        this.reads = new Lane("read", minLimit, readMaxLimit, registry);
        this.writes = new Lane("write", minLimit, writeMaxLimit, registry);
        this.prefixes = List.copyOf(prefixes);
        this.excluded = List.copyOf(excluded);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (AdmissionHandler.admittedBefore(exchange)) {
            // Decided in the connection's pipeline already, where its place is given back too.
            return chain.filter(exchange);
        }
        Lane lane = laneOf(exchange.getRequest().getMethod().name(),
                exchange.getRequest().getPath().pathWithinApplication().value());
        if (lane == null) {
            return chain.filter(exchange);
        }
        Optional<Limiter.Listener> admitted = lane.acquire();
        if (admitted.isEmpty()) {
            return refuse(exchange.getResponse());
        }
        // The place is freed when the response is committed, before the client can see any of it: freed
        // only after the chain completed, a closed-model client that sends its next request the moment it
        // has the answer found it still taken, and at a limit equal to its users it was refused.
        Place place = new Place(admitted.get());
        ServerHttpResponse response = exchange.getResponse();
        response.beforeCommit(() -> {
            place.served(statusOf(response.getStatusCode()));
            return Mono.empty();
        });
        return chain.filter(exchange)
                .doOnSuccess(done -> place.served(statusOf(response.getStatusCode())))
                .doOnError(error -> place.ignored())
                .doOnCancel(place::ignored);
    }

    /**
     * The lane of a request, or {@code null} when its path is not limited.
     *
     * @param method the request's method, upper case
     * @param path the request's path within the application, without its query
     * @return the lane
     */
    @Nullable Lane laneOf(String method, String path) {
        return limited(path) ? (isSafe(method) ? reads : writes) : null;
    }

    private static int statusOf(@Nullable HttpStatusCode status) {
        return status == null ? 0 : status.value();
    }

    /** One lane's limit and its refusals. */
    static final class Lane {

        private final SimpleLimiter<Void> limiter;
        private final Counter rejected;

        Lane(String name, int minLimit, int maxLimit, MeterRegistry registry) {
            this.limiter = SimpleLimiter.newBuilder()
                    .named("http-" + name)
                    .limit(Gradient2Limit.newBuilder()
                            .initialLimit(Math.min(maxLimit, Math.max(minLimit, 64)))
                            .minLimit(minLimit)
                            .maxConcurrency(maxLimit)
                            // Latency on a busy machine varies by more than Gradient2's default 1.5x
                            // without any overload; shrink only on a clear queue.
                            .rttTolerance(2.0)
                            .build())
                    .build();
            this.rejected = Counter.builder(REJECTED).tag(LANE, name)
                    .description("HTTP requests refused at the admission limit").register(registry);
            Gauge.builder(LIMIT, limiter, SimpleLimiter::getLimit).tag(LANE, name)
                    .description("The adaptive limit of HTTP requests served at once").register(registry);
        }

        /** A place under the limit, or empty (the refusal counted) when the lane is full. */
        Optional<Limiter.Listener> acquire() {
            Optional<Limiter.Listener> admitted = limiter.acquire(null);
            if (admitted.isEmpty()) {
                rejected.increment();
            }
            return admitted;
        }
    }

    /** The place one admitted request holds under the limit, given back once. */
    static final class Place {

        private final Limiter.Listener listener;
        private final AtomicBoolean freed = new AtomicBoolean();

        Place(Limiter.Listener listener) {
            this.listener = listener;
        }

        /** The request was served with this status (0: unknown): its latency counts, unless it is a 5xx. */
        void served(int status) {
            if (freed.compareAndSet(false, true)) {
                // A request that failed fast says nothing about how long served ones take.
                if (status >= 500) {
                    listener.onIgnore();
                } else {
                    listener.onSuccess();
                }
            }
        }

        /** The request failed or was cancelled before its response: its latency does not count. */
        void ignored() {
            if (freed.compareAndSet(false, true)) {
                listener.onIgnore();
            }
        }
    }

    /** Runs first, before any other filter spends work on a request that will be refused. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    /**
     * A constant name: Spring's filter chain names each filter's part of every request with it (a Reactor
     * checkpoint), and {@code Object}'s would be built anew each time (about 400 bytes a request).
     */
    @Override
    public String toString() {
        return "Flowgres admission filter";
    }

    /** The current limit of the read lane ({@code GET}, {@code HEAD}, {@code OPTIONS}). */
    public int readLimit() {
        return reads.limiter.getLimit();
    }

    /** The current limit of the write lane (every other method). */
    public int writeLimit() {
        return writes.limiter.getLimit();
    }

    /** Whether a request of this method only reads: GET, HEAD and OPTIONS, RFC 9110's safe methods bar TRACE. */
    private static boolean isSafe(String method) {
        return "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
    }

    private boolean limited(String path) {
        for (String prefix : excluded) {
            if (path.startsWith(prefix)) {
                return false;
            }
        }
        for (String prefix : prefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static Mono<Void> refuse(ServerHttpResponse response) {
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        HttpHeaders headers = response.getHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.setContentLength(PROBLEM.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(PROBLEM)));
    }
}
