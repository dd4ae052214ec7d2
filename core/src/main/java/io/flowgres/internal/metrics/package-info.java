/**
 * Micrometer meters of the engine: per-attempt timers, pool meters and node gauges. Internal.
 */
@NullMarked
package io.flowgres.internal.metrics;

import org.jspecify.annotations.NullMarked;
