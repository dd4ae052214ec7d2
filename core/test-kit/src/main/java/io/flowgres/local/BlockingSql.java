package io.flowgres.local;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The launcher's own SQL: one short-lived connection per call, waited for with a bound. Blocking by
 * design (the launcher is a test and {@code main} utility); never used by the library's pipeline.
 */
final class BlockingSql {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private BlockingSql() {
    }

    static PostgresqlConnectionFactory factory(int port, String database, String user, String password,
            Duration connectTimeout) {
        return new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host(LocalNode.HOST)
                .port(port)
                .database(database)
                .username(user)
                .password(password)
                .applicationName("flowgres-launcher")
                .connectTimeout(connectTimeout)
                .build());
    }

    static <T> List<T> query(PostgresqlConnectionFactory factory, String sql, Function<Readable, T> mapper) {
        return Flux.usingWhen(factory.create(),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.map(mapper::apply)),
                        Connection::close)
                .collectList()
                .block(TIMEOUT);
    }

    static void execute(PostgresqlConnectionFactory factory, String sql) {
        Mono.usingWhen(factory.create(),
                        connection -> Flux.from(connection.createStatement(sql).execute())
                                .flatMap(result -> result.getRowsUpdated()).then(),
                        Connection::close)
                .block(TIMEOUT);
    }

    /** Runs several statements on one connection (needed where they share a session, e.g. a backup). */
    static <T> T session(PostgresqlConnectionFactory factory, Function<Connection, Mono<T>> work) {
        return Mono.usingWhen(factory.create(), work::apply, Connection::close).block(Duration.ofMinutes(5));
    }

    static Flux<String> strings(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map(row -> String.valueOf(row.get(0))));
    }
}
