/**
 * A real local PostgreSQL topology for development, tests and benchmarks: a primary and streaming
 * replicas on free loopback ports, with controls to break them on purpose. Blocking by design: use
 * it from tests and {@code main}, never from an event loop.
 */
@NullMarked
package io.flowgres.local;

import org.jspecify.annotations.NullMarked;
