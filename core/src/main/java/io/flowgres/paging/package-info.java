/**
 * Keyset pagination: signed, opaque cursors and page values.
 */
@NullMarked
package io.flowgres.paging;

import org.jspecify.annotations.NullMarked;
