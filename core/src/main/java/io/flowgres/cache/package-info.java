/**
 * The query cache: canonical keys ({@link io.flowgres.cache.CacheKey}), per-query policies
 * ({@link io.flowgres.cache.CachePolicy}), single-flight loads and tag invalidation
 * ({@link io.flowgres.cache.QueryCache}), and the PostgreSQL {@code LISTEN}/{@code NOTIFY} link that keeps
 * the caches of several instances coherent.
 */
@NullMarked
package io.flowgres.cache;

import org.jspecify.annotations.NullMarked;
