/**
 * Spring WebFlux integration of Flowgres and the runnable reference service.
 */
@NullMarked
package io.flowgres.web;

import org.jspecify.annotations.NullMarked;
