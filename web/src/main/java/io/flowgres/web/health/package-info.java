/**
 * The health endpoint of the reference service.
 */
@NullMarked
package io.flowgres.web.health;

import org.jspecify.annotations.NullMarked;
