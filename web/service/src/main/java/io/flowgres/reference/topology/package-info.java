/**
 * The reference service's {@code GET /api/topology} route: the cluster as the router sees it.
 */
@NullMarked
package io.flowgres.reference.topology;

import org.jspecify.annotations.NullMarked;
