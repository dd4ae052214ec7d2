/**
 * Helpers shared by the packages of the library. Not part of the API: may change at any time.
 */
@NullMarked
package io.flowgres.internal;

import org.jspecify.annotations.NullMarked;
