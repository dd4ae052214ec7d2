package io.flowgres.cache;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One loaded result with what it depends on: its tags, the generation of each tag when the load
 * started, and the epoch of its query's region. An empty result is cached too, as a null value.
 *
 * @param value the result, or null for an empty one
 * @param tags the tags, in the order of {@code stamps}
 * @param stamps each tag's generation when the load started
 * @param epoch the region's epoch when the load started
 */
record CacheEntry(@Nullable Object value, List<String> tags, long[] stamps, long epoch) {
}
