/**
 * Translation of errors into RFC 9457 problem responses.
 */
@NullMarked
package io.flowgres.web.problem;

import org.jspecify.annotations.NullMarked;
