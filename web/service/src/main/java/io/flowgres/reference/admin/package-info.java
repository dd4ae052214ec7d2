/**
 * Admin operations of the reference service, for an authorised caller: slow-query report, breaker
 * reset, drain and undrain, cache clearing, diagnostics.
 */
@NullMarked
package io.flowgres.reference.admin;

import org.jspecify.annotations.NullMarked;
