/**
 * Spring Boot auto-configuration of Flowgres from {@code flowgres.*} properties.
 */
@NullMarked
package io.flowgres.web.autoconfigure;

import org.jspecify.annotations.NullMarked;
