/**
 * The engine's routing: the prober, the single source of node truth, and the router that resolves a route to a node for each attempt. Internal.
 */
@NullMarked
package io.flowgres.internal.routing;

import org.jspecify.annotations.NullMarked;
