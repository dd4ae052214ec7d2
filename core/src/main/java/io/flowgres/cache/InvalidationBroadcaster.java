package io.flowgres.cache;

import java.util.Set;

import reactor.core.publisher.Mono;

/**
 * Tells the other instances sharing a database that tags were invalidated, after the local cache
 * dropped them. {@code PostgresInvalidations} does it with {@code NOTIFY} on the primary.
 */
@FunctionalInterface
public interface InvalidationBroadcaster {

    /** Tells nobody: for a single instance. */
    InvalidationBroadcaster NONE = tags -> Mono.empty();

    /**
     * Publishes invalidated tags.
     *
     * @param tags the tags, each valid as described by {@link QueryCache#get}
     * @return completes when the message was handed to the transport; lazily
     */
    Mono<Void> publish(Set<String> tags);
}
