package io.flowgres.web.problem;

import io.flowgres.query.ConflictException;
import io.flowgres.query.IdempotencyKeyReusedException;
import io.flowgres.query.FlowgresException;
import io.flowgres.query.OutcomeUnknownException;
import io.flowgres.query.QueryFailedException;
import io.flowgres.query.QueryTimeoutException;
import io.flowgres.query.UnavailableException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;

/**
 * The one mapper from errors to RFC 9457 problem responses: 400 for bad input (naming the
 * parameter), 404, 409 for conflicts, 503 with {@code Retry-After} when the cluster or this instance
 * ({@link OverloadedException}) cannot take the request, 504 for timeouts, 500 for everything else.
 * Streamed bodies get the same answers through {@link ProblemStreams}. Bodies never carry stack traces, host
 * names, users or passwords; unexpected errors are logged server-side and answered generically.
 */
public final class ProblemResponses {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    private ProblemResponses() {
    }

    /**
     * A filter that turns any error of the routes it wraps into a problem response.
     *
     * @return the filter
     */
    public static HandlerFilterFunction<ServerResponse, ServerResponse> filter() {
        return (request, next) -> next.handle(request).onErrorResume(ProblemResponses::toResponse);
    }

    /**
     * Maps one error to a response.
     *
     * @param error the error
     * @return the problem response
     */
    public static Mono<ServerResponse> toResponse(Throwable error) {
        Problem problem = describe(error);
        ServerResponse.BodyBuilder builder = ServerResponse.status(problem.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        Long retryAfter = problem.retryAfterSeconds();
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        }
        return builder.bodyValue(problem.detail());
    }

    /**
     * Maps one error to its problem, logging what the caller is not shown. Used for responses and for
     * the error line that ends a stream that already started ({@link ProblemStreams}).
     *
     * @param error the error
     * @return the problem and its {@code Retry-After}, if any
     */
    public static Problem describe(Throwable error) {
        if (error instanceof BadRequestException bad) {
            // Our own validation messages name the parameter and are safe to show; a message from the
            // server (a data exception) may quote values, so it stays in the log.
            ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Bad request", bad.parameter() != null
                    ? bad.getMessage() : "The request has a value the database cannot accept.");
            if (bad.parameter() != null) {
                problem.setProperty("parameter", bad.parameter());
            }
            return new Problem(problem, null);
        }
        if (error instanceof QueryFailedException failed && failed.sqlState() != null
                && failed.sqlState().startsWith("22")) {
            // A data exception: the server could not accept a value of the request. Its message may
            // quote values, so it stays in the log.
            log.info("Data exception: {}", error.getMessage());
            return new Problem(problem(HttpStatus.BAD_REQUEST, "Bad request",
                    "The request has a value the database cannot accept."), null);
        }
        if (error instanceof UnavailableException unavailable) {
            return new Problem(problem(HttpStatus.SERVICE_UNAVAILABLE, "Database unavailable",
                    "The database cannot take this request right now; retry later."), unavailable.retryAfter());
        }
        if (error instanceof OverloadedException overloaded) {
            return new Problem(problem(HttpStatus.SERVICE_UNAVAILABLE, "Service busy", overloaded.getMessage()),
                    overloaded.retryAfter());
        }
        if (error instanceof QueryTimeoutException) {
            return new Problem(problem(HttpStatus.GATEWAY_TIMEOUT, "Database timeout",
                    "The database did not answer in time."), null);
        }
        if (error instanceof IdempotencyKeyReusedException) {
            return new Problem(problem(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused",
                    "This Idempotency-Key was first sent with a different request; use a new key for a new "
                            + "request."), null);
        }
        if (error instanceof ConflictException conflict) {
            return new Problem(problem(HttpStatus.CONFLICT, "Conflict",
                    conflict.sqlState() != null && conflict.sqlState().startsWith("23")
                            ? "The request conflicts with existing data."
                            : "The request conflicted with concurrent changes; retry it."), null);
        }
        if (error instanceof OutcomeUnknownException) {
            log.warn("Outcome unknown: {}", error.getMessage());
            return new Problem(problem(HttpStatus.INTERNAL_SERVER_ERROR, "Outcome unknown",
                    "The connection was lost while the change was being committed; check before retrying."), null);
        }
        if (causedByBodyLimit(error)) {
            return new Problem(problem(HttpStatus.CONTENT_TOO_LARGE, "Content too large",
                    "The request body is larger than this endpoint accepts."), null);
        }
        if (error instanceof ServerWebInputException || error instanceof DecodingException) {
            return new Problem(problem(HttpStatus.BAD_REQUEST, "Bad request", "The request body is not valid JSON "
                    + "of the expected shape."), null);
        }
        if (error instanceof ResponseStatusException status) {
            HttpStatusCode code = status.getStatusCode();
            return new Problem(problem(code, HttpStatus.valueOf(code.value()).getReasonPhrase(), status.getReason()),
                    null);
        }
        if (error instanceof FlowgresException) {
            log.error("Database error: {}", error.getMessage());
        } else {
            log.error("Unexpected error", error);
        }
        return new Problem(problem(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error", "The request failed."), null);
    }

    /** Whether a body was refused for its size, however the codec wrapped that (cause chains may loop). */
    private static boolean causedByBodyLimit(Throwable error) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof DataBufferLimitException) {
                return true;
            }
        }
        return false;
    }

    private static ProblemDetail problem(HttpStatusCode status, String title, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail == null ? title : detail);
        problem.setTitle(title);
        return problem;
    }
}
