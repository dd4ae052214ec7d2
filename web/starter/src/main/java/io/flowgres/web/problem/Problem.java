package io.flowgres.web.problem;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * An error as the web answers it: an RFC 9457 problem and, when the caller should come back later,
 * how long to wait ({@code Retry-After}). Made by {@link ProblemResponses#describe}.
 *
 * @param detail the problem body
 * @param retryAfter the wait to advertise, or {@code null} for none
 */
public record Problem(ProblemDetail detail, @Nullable Duration retryAfter) {

    /** The HTTP status. */
    public HttpStatusCode status() {
        return HttpStatusCode.valueOf(detail.getStatus());
    }

    /**
     * The {@code Retry-After} value in whole seconds, rounded up and at least 1.
     *
     * @return the seconds, or {@code null} when there is no wait to advertise
     */
    public @Nullable Long retryAfterSeconds() {
        return retryAfter == null ? null : Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /**
     * The problem's members as a JSON object, for places that cannot use a response of its own (the
     * error line that ends a stream): {@code type}, {@code title}, {@code status}, {@code detail},
     * any extension members such as {@code parameter}, and {@code retryAfter} in seconds when set.
     *
     * @return the members, in that order
     */
    public Map<String, Object> members() {
        Map<String, Object> members = new LinkedHashMap<>();
        // RFC 9457: an absent type means "about:blank".
        members.put("type", detail.getType() == null ? "about:blank" : detail.getType().toString());
        if (detail.getTitle() != null) {
            members.put("title", detail.getTitle());
        }
        members.put("status", detail.getStatus());
        if (detail.getDetail() != null) {
            members.put("detail", detail.getDetail());
        }
        if (detail.getProperties() != null) {
            members.putAll(detail.getProperties());
        }
        Long seconds = retryAfterSeconds();
        if (seconds != null) {
            members.put("retryAfter", seconds);
        }
        return members;
    }
}
