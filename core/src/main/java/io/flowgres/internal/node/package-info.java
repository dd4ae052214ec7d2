/**
 * The engine's view of one PostgreSQL endpoint: its pools, breaker and drain gate, load and stall tracking, the settling of cancelled connections, and its live health. Internal.
 */
@NullMarked
package io.flowgres.internal.node;

import org.jspecify.annotations.NullMarked;
