package io.flowgres.reference.pitches;

import io.flowgres.web.r2dbc.LentConnections;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The Spring Data R2DBC pieces the demo's stores run inside Flowgres operations: the starter's bridge
 * onto the connections those operations lend, the {@code DatabaseClient} for statements Spring Data
 * does not write ({@code RETURNING}, arrays), the user repository and the transactional pitch writes.
 *
 * @param lent runs Spring R2DBC code on the connection a Flowgres operation lends
 * @param client the application's {@code DatabaseClient}, over the starter's routing factory
 * @param users the user table, with its profile query
 * @param writes the pitch writes, {@code @Transactional} methods over the client
 */
public record SpringData(LentConnections lent, DatabaseClient client, UserRepository users, PitchWrites writes) {
}
