/**
 * The Flowgres Spring Boot starter: auto-configuration ({@code autoconfigure}), and the reusable
 * WebFlux pieces an application builds its routes with (paging, problems, consistency tokens,
 * idempotency keys, admission). No application and no schema: the reference service is apart.
 */
@NullMarked
package io.flowgres.web;

import org.jspecify.annotations.NullMarked;
