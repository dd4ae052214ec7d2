package io.flowgres.cache;

import java.util.Set;

import io.r2dbc.spi.Connection;
import reactor.core.publisher.Mono;

/**
 * Tells the other instances sharing a database that tags were invalidated: inside the writing
 * transaction where the transport can ({@link #publishWithin}), else after the local cache dropped
 * them ({@link #publish}). {@code PostgresInvalidations} does both with {@code NOTIFY} on the primary.
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

    /**
     * Publishes invalidated tags from inside the writing transaction, on its connection, so that the
     * other instances get them exactly when it commits (also when the commit's answer is lost) and
     * never when it rolls back; a failure to publish fails the transaction. A transport that cannot
     * answers false, and the cache {@linkplain #publish publishes} after the commit instead.
     *
     * @param connection the transaction's connection
     * @param tags the tags, each valid as described by {@link QueryCache#get}
     * @return true when the tags were published within the transaction; lazily
     */
    default Mono<Boolean> publishWithin(Connection connection, Set<String> tags) {
        return Mono.just(false);
    }
}
