/**
 * Spring's R2DBC stack on the Flowgres cluster: the Flowgres routing {@code ConnectionFactory} as the
 * application's, a transaction manager that routes read-only transactions to replicas, and a
 * {@code DatabaseClient} over both, and {@link io.flowgres.web.r2dbc.LentConnections}, which runs Spring
 * R2DBC code (repositories included) inside the facade's operations.
 */
@NullMarked
package io.flowgres.web.r2dbc;

import org.jspecify.annotations.NullMarked;
