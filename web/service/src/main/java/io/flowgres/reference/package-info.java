/**
 * The reference service: the pitch demo built on the Flowgres starter, its own settings
 * ({@code reference.*}) and its application class. What the README runs.
 */
@NullMarked
package io.flowgres.reference;

import org.jspecify.annotations.NullMarked;
