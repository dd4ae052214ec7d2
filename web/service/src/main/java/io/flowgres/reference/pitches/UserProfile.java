package io.flowgres.reference.pitches;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A user with their pitches, newest first, as {@code GET /api/users/{id}} shows it.
 *
 * @param id the user's id
 * @param username the login name
 * @param displayName the shown name
 * @param createdAt when the user joined
 * @param pitches the user's pitches, newest first
 */
public record UserProfile(long id, String username, String displayName, OffsetDateTime createdAt,
        List<Pitch> pitches) {

    /**
     * Creates a profile.
     *
     * @param id the user's id
     * @param username the login name
     * @param displayName the shown name
     * @param createdAt when the user joined
     * @param pitches the pitches, copied
     */
    public UserProfile {
        pitches = List.copyOf(pitches);
    }
}
