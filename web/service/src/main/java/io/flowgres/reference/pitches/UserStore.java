package io.flowgres.reference.pitches;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.reference.pitches.UserRepository.ProfileRow;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Users with their pitches, read through the Spring Data repository's profile query inside a Flowgres
 * read (one round trip, no N+1). Cached under {@code user:<id>}, which every write of one of the
 * user's pitches invalidates.
 */
public final class UserStore {

    private static final Query BY_ID = Query.named("users.byId");
    private final Flowgres flowgres;
    private final SpringData spring;
    private final QueryCache cache;

    /**
     * Creates the store.
     *
     * @param flowgres the facade
     * @param spring the Spring Data R2DBC pieces its reads run
     * @param cache caches {@code users.byId} when it has a policy for it
     */
    public UserStore(Flowgres flowgres, SpringData spring, QueryCache cache) {
        this.flowgres = flowgres;
        this.spring = spring;
        this.cache = cache;
    }

    /**
     * Finds a user with all their pitches.
     *
     * @param id the user's id
     * @return the profile, or empty when there is no such user
     */
    public Mono<UserProfile> findWithPitches(long id) {
        return findWithPitches(id, null);
    }

    /**
     * Finds a user with all their pitches, on a node that has seen the caller's write when a token is
     * given.
     *
     * @param id the user's id
     * @param token the consistency token of the caller's last write, or {@code null}
     * @return the profile, or empty when there is no such user
     */
    public Mono<UserProfile> findWithPitches(long id, @Nullable ConsistencyToken token) {
        // Not cached (the benchmarks' setting): what cache.get would do too, without its key, tags and checks.
        if (!cache.isCached(BY_ID.name())) {
            return read(BY_ID.withConsistency(token), id);
        }
        // A cached profile is dropped at the commit of every write of the user's pitches, filled where every
        // write the cache was told of is, and served to a caller with a token only when its load saw that write.
        return cache.get(CacheKey.of(BY_ID.name(), "id", id), Set.of(PitchStore.userTag(id)), token,
                consistency -> read(BY_ID.withConsistency(consistency), id));
    }

    private Mono<UserProfile> read(Query query, long id) {
        return flowgres.read(query, spring.lent().run(() -> spring.users().findProfileRows(id)))
                .collectList()
                .flatMap(rows -> rows.isEmpty() ? Mono.empty() : Mono.just(profile(rows)));
    }

    private static UserProfile profile(List<ProfileRow> rows) {
        ProfileRow first = rows.get(0);
        List<Pitch> pitches = new ArrayList<>(rows.size());
        for (ProfileRow row : rows) {
            Pitch pitch = row.pitch();
            if (pitch != null) {
                pitches.add(pitch);
            }
        }
        return new UserProfile(first.userId(), first.username(), first.displayName(), first.userCreatedAt(), pitches);
    }
}
