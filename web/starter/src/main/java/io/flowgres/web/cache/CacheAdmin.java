package io.flowgres.web.cache;

import reactor.core.publisher.Mono;

/**
 * The hook through which {@code POST /api/admin/caches/clear} clears caches: every bean of this type
 * is called. The query cache registers one when it exists; with none, clearing does nothing.
 */
@FunctionalInterface
public interface CacheAdmin {

    /**
     * Clears every entry.
     *
     * @return completes when cleared
     */
    Mono<Void> clearAll();
}
