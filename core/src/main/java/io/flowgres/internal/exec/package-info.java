/**
 * The query pipeline: attempts, retry decisions as pure functions, hedging, transactions, error translation and the retry budget. Internal.
 */
@NullMarked
package io.flowgres.internal.exec;

import org.jspecify.annotations.NullMarked;
