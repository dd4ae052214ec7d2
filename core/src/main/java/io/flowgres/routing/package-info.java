/**
 * Where an operation may run, and how a replica is chosen for a read.
 */
@NullMarked
package io.flowgres.routing;

import org.jspecify.annotations.NullMarked;
