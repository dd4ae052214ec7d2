package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.r2dbc.repository.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.reactive.ReactiveCrudRepository;
import reactor.core.publisher.Flux;

/**
 * The user table as a Spring Data R2DBC repository, with the profile query: a user and all their
 * pitches in one round trip (a single {@code LEFT JOIN} ordered by the owner index, never one query
 * per pitch). Its calls run inside the facade's operations ({@link UserStore}).
 */
public interface UserRepository extends ReactiveCrudRepository<UserRepository.AppUser, Long> {

    /**
     * A user and their pitches, newest first: one row per pitch, or one row without a pitch.
     *
     * @param id the user's id
     * @return the joined rows; none when there is no such user
     */
    @Query("SELECT u.id AS user_id, u.username, u.display_name, u.created_at AS user_created_at, "
            + "p.id AS pitch_id, p.owner_id, p.title, p.logline, p.genre, p.format, p.production_stage, p.status, "
            + "p.view_count, p.created_at "
            + "FROM app_user u LEFT JOIN pitch p ON p.owner_id = u.id WHERE u.id = :id "
            + "ORDER BY p.created_at DESC, p.id DESC")
    Flux<ProfileRow> findProfileRows(long id);

    /**
     * A row of the user table.
     *
     * @param id the user's id
     * @param username the login name
     * @param displayName the shown name
     * @param createdAt when the user joined
     */
    @Table("app_user")
    record AppUser(@Id long id, String username, String displayName, OffsetDateTime createdAt) {
    }

    /**
     * One row of the profile query: the user's columns, and one pitch's (all null for a user without
     * pitches).
     *
     * @param userId the user's id
     * @param username the login name
     * @param displayName the shown name
     * @param userCreatedAt when the user joined
     * @param pitchId the pitch's id, or null
     * @param ownerId the pitch's owner, or null
     * @param title the pitch's title, or null
     * @param logline the pitch's logline, or null
     * @param genre the pitch's genre, or null
     * @param format the pitch's format, or null
     * @param productionStage the pitch's production stage, or null
     * @param status the pitch's status, or null
     * @param viewCount the pitch's view count, or null
     * @param createdAt when the pitch was created, or null
     */
    record ProfileRow(long userId, String username, String displayName, OffsetDateTime userCreatedAt,
            @Nullable Long pitchId, @Nullable Long ownerId, @Nullable String title, @Nullable String logline,
            @Nullable String genre, @Nullable String format, @Nullable String productionStage,
            @Nullable String status, @Nullable Long viewCount, @Nullable OffsetDateTime createdAt) {

        /** The row's pitch, or {@code null} when the user has none. */
        @Nullable Pitch pitch() {
            if (pitchId == null || ownerId == null || title == null || logline == null || genre == null
                    || format == null || productionStage == null || status == null || viewCount == null
                    || createdAt == null) {
                return null;
            }
            return new Pitch(pitchId, ownerId, title, logline, genre, format, productionStage, status, viewCount,
                    createdAt);
        }
    }
}
