/**
 * Exactly-once writes under client retries: the {@code Idempotency-Key} header, for handlers that
 * pass it to {@code Flowgres.writeOnce}.
 */
@NullMarked
package io.flowgres.web.idempotency;

import org.jspecify.annotations.NullMarked;
