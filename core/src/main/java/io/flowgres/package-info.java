/**
 * Flowgres: a reactive, non-blocking data-access layer for a PostgreSQL primary and its streaming replicas. Start at {@link io.flowgres.Flowgres}.
 */
@NullMarked
package io.flowgres;

import org.jspecify.annotations.NullMarked;
