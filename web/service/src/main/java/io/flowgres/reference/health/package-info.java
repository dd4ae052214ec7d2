/**
 * The health endpoint of the reference service.
 */
@NullMarked
package io.flowgres.reference.health;

import org.jspecify.annotations.NullMarked;
