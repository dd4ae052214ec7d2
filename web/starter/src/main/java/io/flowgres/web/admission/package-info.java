/**
 * Admission control for a service's HTTP API: beyond what the instance can serve with its usual
 * latency, requests are refused at once with {@code 503} and {@code Retry-After}, before they queue
 * for a connection.
 */
@NullMarked
package io.flowgres.web.admission;

import org.jspecify.annotations.NullMarked;
