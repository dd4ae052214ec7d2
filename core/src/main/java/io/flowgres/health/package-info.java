/**
 * Health of the cluster and its nodes, for readiness, liveness and operators.
 */
@NullMarked
package io.flowgres.health;

import org.jspecify.annotations.NullMarked;
