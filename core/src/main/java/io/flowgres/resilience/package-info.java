/**
 * Retries, circuit breakers and the classification of errors that decides between them.
 */
@NullMarked
package io.flowgres.resilience;

import org.jspecify.annotations.NullMarked;
