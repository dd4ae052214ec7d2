package io.flowgres.web.problem;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.reactivestreams.Publisher;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Streamed bodies that fail the way a client can tell. A stream is answered before its first row
 * exists, so a handler's problem filter never sees its errors; these bodies handle them instead:
 *
 * <ul>
 *   <li>an error <em>before the first byte</em> (no node, a full export limit, a timeout, a value the
 *       database refuses) replaces the response with the problem {@link ProblemResponses} gives any
 *       other request: its status, {@code application/problem+json} and {@code Retry-After};</li>
 *   <li>an error <em>after the first byte</em>, when status and headers are already sent, ends the
 *       stream normally with one last element that says so: an NDJSON line
 *       {@code {"error":{"type":...,"title":...,"status":503,"detail":...,"retryAfter":2}}}, or a
 *       server-sent event named {@value #ERROR_EVENT} with the same object as its data. A stream that
 *       ends without it is complete.</li>
 * </ul>
 *
 * The error element is the only element that has an {@code error} member at the top level.
 */
public final class ProblemStreams {

    /** The name of the server-sent event that ends a failed stream. */
    public static final String ERROR_EVENT = "error";
    /** The top-level member of the NDJSON line that ends a failed stream. */
    public static final String ERROR_MEMBER = "error";

    private ProblemStreams() {
    }

    /**
     * An {@code application/x-ndjson} body: each row as one JSON line, then an error line if the rows
     * fail after the first one.
     *
     * @param rows the rows
     * @param <T> the row type
     * @return the body, for {@code ServerResponse.BodyBuilder.body(BodyInserter)}
     */
    public static <T> BodyInserter<Flux<Object>, ServerHttpResponse> ndjson(Flux<T> rows) {
        Flux<Object> lines = endingWithError(rows, row -> row, problem -> Map.of(ERROR_MEMBER, problem.members()));
        return answeringProblems(BodyInserters.fromPublisher(lines, Object.class));
    }

    /**
     * A {@code text/event-stream} body: each row as the data of one unnamed event, then an event named
     * {@value #ERROR_EVENT} if the rows fail after the first one.
     *
     * @param rows the rows
     * @param <T> the row type
     * @return the body, for {@code ServerResponse.BodyBuilder.body(BodyInserter)}
     */
    public static <T> BodyInserter<Flux<ServerSentEvent<Object>>, ServerHttpResponse> events(Flux<T> rows) {
        Flux<ServerSentEvent<Object>> events = endingWithError(rows,
                row -> ServerSentEvent.<Object>builder(row).build(),
                problem -> ServerSentEvent.<Object>builder(problem.members()).event(ERROR_EVENT).build());
        return answeringProblems(BodyInserters.fromServerSentEvents(events));
    }

    /** Rows as elements; an error after the first row becomes a last element, one before it stays an error. */
    private static <T, E> Flux<E> endingWithError(Flux<T> rows, Function<? super T, ? extends E> element,
            Function<Problem, ? extends E> errorElement) {
        return Flux.defer(() -> {
            AtomicBoolean started = new AtomicBoolean();
            return rows.<E>map(row -> {
                        started.set(true);
                        return element.apply(row);
                    })
                    .onErrorResume(error -> started.get()
                            ? Flux.just(errorElement.apply(ProblemResponses.describe(error)))
                            : Flux.error(error));
        });
    }

    /**
     * A body that, when writing fails before anything was sent, writes the error's problem instead.
     * The response is committed by its first buffer only, so until then status and headers can change.
     */
    private static <P extends Publisher<?>> BodyInserter<P, ServerHttpResponse> answeringProblems(
            BodyInserter<P, ? super ServerHttpResponse> body) {
        return (response, context) -> body.insert(response, context).onErrorResume(error -> {
            if (response.isCommitted()) {
                return Mono.error(error);
            }
            Problem problem = ProblemResponses.describe(error);
            response.setStatusCode(problem.status());
            HttpHeaders headers = response.getHeaders();
            headers.clearContentHeaders();
            headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
            Long retryAfter = problem.retryAfterSeconds();
            if (retryAfter != null) {
                headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
            }
            return BodyInserters.fromValue(problem.detail()).insert(response, context);
        });
    }
}
