/**
 * Flowgres in Spring Boot Actuator: the {@code flowgres} endpoint (topology, slow queries and the
 * operator actions), one health contributor per node, and the {@code flowgres} health group. Exposure
 * and security are Actuator's own ({@code management.endpoints.web.exposure.include}, Spring Security).
 */
@NullMarked
package io.flowgres.web.actuate;

import org.jspecify.annotations.NullMarked;
