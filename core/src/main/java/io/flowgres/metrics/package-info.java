/**
 * Micrometer instrumentation under the {@code flowgres.} prefix.
 */
@NullMarked
package io.flowgres.metrics;

import org.jspecify.annotations.NullMarked;
