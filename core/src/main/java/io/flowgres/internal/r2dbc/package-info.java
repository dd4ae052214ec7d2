/**
 * The routing R2DBC {@code ConnectionFactory} behind {@link io.flowgres.Flowgres#connectionFactory()}:
 * a node chosen per connection from the Reactor {@code Context}, leased through the node's limiter,
 * breaker and pool, and returned exactly once. Internal.
 */
@NullMarked
package io.flowgres.internal.r2dbc;

import org.jspecify.annotations.NullMarked;
