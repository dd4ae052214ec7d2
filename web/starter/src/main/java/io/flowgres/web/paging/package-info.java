/**
 * Keyset pagination: signed, opaque cursors and page values.
 */
@NullMarked
package io.flowgres.web.paging;

import org.jspecify.annotations.NullMarked;
