package io.flowgres.cache;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

import io.flowgres.internal.Checks;
import io.flowgres.query.OutcomeUnknownException;
import io.r2dbc.spi.Connection;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The write side of a {@link QueryCache}: writes composed with the invalidation of the tags they
 * touched, only once they may have committed (after a value, an empty completion or an unknown
 * outcome), never after a failure that committed nothing. The cache's public methods delegate here.
 */
final class InvalidatingWrites {

    private final InvalidationBroadcaster broadcaster;
    private final Function<Collection<String>, Mono<Void>> invalidate;
    private final Consumer<Collection<String>> invalidateLocally;

    /**
     * Creates the write side of one cache.
     *
     * @param broadcaster tells the other instances, within a transaction when it can
     * @param invalidate invalidates here and tells the other instances
     * @param invalidateLocally invalidates here only
     */
    InvalidatingWrites(InvalidationBroadcaster broadcaster, Function<Collection<String>, Mono<Void>> invalidate,
            Consumer<Collection<String>> invalidateLocally) {
        this.broadcaster = broadcaster;
        this.invalidate = invalidate;
        this.invalidateLocally = invalidateLocally;
    }

    /** See {@link QueryCache#invalidateWithin}. */
    <T, R> Mono<R> within(Function<? super Function<Connection, Publisher<T>>, ? extends Mono<R>> transaction,
            Function<? super Connection, ? extends Publisher<T>> work,
            Function<? super List<T>, ? extends Collection<String>> tags) {
        Checks.notNull(transaction, "transaction");
        Checks.notNull(work, "work");
        Checks.notNull(tags, "tags");
        return Mono.defer(() -> {
            // What the last run of the work touched, and whether it told the others itself: a re-run
            // transaction replaces both, and only the run that committed counts.
            AtomicReference<Set<String>> touched = new AtomicReference<>(Set.of());
            AtomicBoolean toldWithin = new AtomicBoolean();
            Function<Connection, Publisher<T>> notifying = connection -> Flux.from(work.apply(connection))
                    .collectList()
                    .flatMapMany(results -> {
                        Set<String> checked = checkTags(tags.apply(results));
                        touched.set(checked);
                        toldWithin.set(false);
                        Mono<Boolean> told = checked.isEmpty() ? Mono.just(true)
                                : broadcaster.publishWithin(connection, checked);
                        return told.doOnNext(toldWithin::set).thenMany(Flux.fromIterable(results));
                    });
            Mono<Void> afterCommit = Mono.defer(() -> {
                if (toldWithin.get()) {
                    invalidateLocally.accept(touched.get());
                    return Mono.empty();
                }
                return invalidate.apply(touched.get());
            });
            return whenCommitted(transaction.apply(notifying), result -> afterCommit, afterCommit);
        });
    }

    /**
     * See {@link QueryCache#invalidateAfter(Mono, Function)}.
     *
     * @param whenEmptyOrUnknown the tags to invalidate after an empty completion or an unknown outcome
     */
    <T> Mono<T> after(Mono<T> write, Function<? super T, ? extends Collection<String>> tags,
            Collection<String> whenEmptyOrUnknown) {
        Checks.notNull(write, "write");
        Checks.notNull(tags, "tags");
        return whenCommitted(write, value -> invalidate.apply(tags.apply(value)),
                Mono.defer(() -> invalidate.apply(whenEmptyOrUnknown)));
    }

    /**
     * Runs {@code invalidation} once a write may have committed, before its result is emitted: after
     * a value (given it), after an empty completion, and after an unknown outcome (then re-raised);
     * a write that failed otherwise committed nothing and invalidates nothing.
     */
    private static <T> Mono<T> whenCommitted(Mono<T> write, Function<? super T, Mono<Void>> afterValue,
            Mono<Void> otherwise) {
        return write
                .flatMap(value -> afterValue.apply(value).thenReturn(value))
                .switchIfEmpty(otherwise.then(Mono.empty()))
                .onErrorResume(OutcomeUnknownException.class, error -> otherwise.then(Mono.error(error)));
    }

    /**
     * Checks tags: non-blank, without whitespace, at most {@value QueryCache#MAX_TAG_LENGTH} characters.
     *
     * @param tags the tags
     * @return them, without duplicates, in order
     * @throws IllegalArgumentException for an invalid tag
     */
    static Set<String> checkTags(Collection<String> tags) {
        Checks.notNull(tags, "tags");
        Set<String> checked = new LinkedHashSet<>();
        for (String tag : tags) {
            Checks.notNull(tag, "tag");
            Checks.argument(!tag.isBlank() && tag.length() <= QueryCache.MAX_TAG_LENGTH
                            && tag.chars().noneMatch(Character::isWhitespace),
                    "tag must be non-blank, without whitespace, at most %s characters, was '%s'",
                    QueryCache.MAX_TAG_LENGTH, tag);
            checked.add(tag);
        }
        return checked;
    }
}
