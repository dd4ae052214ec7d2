package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Users with their pitches in one round trip: a single {@code LEFT JOIN} ordered by the owner
 * index, grouped in memory, never one query per pitch (no N+1). Cached under {@code user:<id>},
 * which every write of one of the user's pitches invalidates.
 */
public final class UserRepository {

    private static final Query BY_ID = Query.named("users.byId");
    // A cache fill must see every committed write, so it reads on the primary (a replica may lag).
    private static final Query BY_ID_FILL = BY_ID.withRoute(Route.PRIMARY);
    private static final String SQL = "SELECT u.id AS user_id, u.username, u.display_name, "
            + "u.created_at AS user_created_at, p.id, p.owner_id, p.title, p.logline, p.genre, p.format, "
            + "p.production_stage, p.status, p.view_count, p.created_at "
            + "FROM app_user u LEFT JOIN pitch p ON p.owner_id = u.id WHERE u.id = $1 "
            + "ORDER BY p.created_at DESC, p.id DESC";

    private final Flowgres flowgres;
    private final QueryCache cache;

    /**
     * Creates the repository.
     *
     * @param flowgres the facade
     * @param cache caches {@code users.byId} when it has a policy for it
     */
    public UserRepository(Flowgres flowgres, QueryCache cache) {
        this.flowgres = flowgres;
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
        if (!cache.isCached(BY_ID.name())) {
            return read(BY_ID.withConsistency(token), id);
        }
        // A cached profile is filled on the primary and dropped at the commit of every write of the
        // user's pitches, so it is at least as fresh as any token.
        return cache.get(CacheKey.of(BY_ID.name(), "id", id), Set.of(PitchRepository.userTag(id)),
                () -> read(BY_ID_FILL, id));
    }

    private Mono<UserProfile> read(Query query, long id) {
        return flowgres.read(query, connection -> Flux.from(connection.createStatement(SQL).bind("$1", id).execute())
                        .flatMap(result -> result.map(UserRepository::joined)))
                .collectList()
                .flatMap(rows -> rows.isEmpty() ? Mono.empty() : Mono.just(profile(rows)));
    }

    /** One joined row, copied out of the driver's row while it is valid. */
    private record Joined(long userId, String username, String displayName, OffsetDateTime createdAt,
            @Nullable Pitch pitch) {
    }

    private static Joined joined(Readable row) {
        return new Joined(required(row.get("user_id", Long.class)), required(row.get("username", String.class)),
                required(row.get("display_name", String.class)),
                required(row.get("user_created_at", OffsetDateTime.class)),
                row.get("id", Long.class) == null ? null : PitchRepository.map(row));
    }

    private static UserProfile profile(List<Joined> rows) {
        Joined first = rows.get(0);
        List<Pitch> pitches = new ArrayList<>(rows.size());
        for (Joined row : rows) {
            if (row.pitch() != null) {
                pitches.add(row.pitch());
            }
        }
        return new UserProfile(first.userId(), first.username(), first.displayName(), first.createdAt(), pitches);
    }

    private static <T> T required(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("a NOT NULL column was null");
        }
        return value;
    }
}
