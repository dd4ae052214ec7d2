/**
 * Spring's R2DBC stack on the Flowgres cluster: the Flowgres routing {@code ConnectionFactory} as the
 * application's, a transaction manager that routes read-only transactions to replicas, and a
 * {@code DatabaseClient} over both.
 */
@NullMarked
package io.flowgres.web.r2dbc;

import org.jspecify.annotations.NullMarked;
