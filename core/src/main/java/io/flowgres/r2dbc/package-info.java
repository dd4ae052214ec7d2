/**
 * Flowgres behind the standard R2DBC {@link io.r2dbc.spi.ConnectionFactory}, so that Spring's
 * {@code DatabaseClient}, {@code R2dbcEntityTemplate}, repositories and {@code @Transactional} can use
 * the cluster: the factory comes from {@link io.flowgres.Flowgres#connectionFactory()}, and
 * {@link io.flowgres.r2dbc.FlowgresRouting} says, in the Reactor {@code Context}, where the
 * connections of a subscription may come from.
 */
@NullMarked
package io.flowgres.r2dbc;

import org.jspecify.annotations.NullMarked;
