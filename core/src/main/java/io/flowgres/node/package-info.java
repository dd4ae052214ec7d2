/**
 * One PostgreSQL endpoint with its own connection pool, circuit breaker and live health.
 */
@NullMarked
package io.flowgres.node;

import org.jspecify.annotations.NullMarked;
