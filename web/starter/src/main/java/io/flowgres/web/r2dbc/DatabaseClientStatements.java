package io.flowgres.web.r2dbc;

import java.util.List;
import java.util.function.Function;

import io.flowgres.web.paging.BrowseStatements;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;

/**
 * A {@link io.flowgres.web.paging.KeysetBrowser}'s statements through Spring's {@code DatabaseClient},
 * on the connection the browser's Flowgres read lends ({@link LentConnections}); an export's fetch
 * size becomes the statement's, so it still reads through a server-side cursor at the client's pace.
 */
public final class DatabaseClientStatements implements BrowseStatements {

    private final LentConnections lent;
    private final DatabaseClient client;

    /**
     * Creates the statements.
     *
     * @param lent the bridge onto the connection the read lends
     * @param client the application's {@code DatabaseClient}, over the factory {@code lent} binds
     */
    public DatabaseClientStatements(LentConnections lent, DatabaseClient client) {
        this.lent = lent;
        this.client = client;
    }

    @Override
    public <R> Flux<R> rows(Connection connection, String sql, List<Object> values, int fetchSize,
            Function<? super Readable, ? extends R> mapper) {
        return lent.<R>run(() -> {
            DatabaseClient.GenericExecuteSpec statement = client.sql(sql);
            for (int i = 0; i < values.size(); i++) {
                statement = statement.bind(i, values.get(i));
            }
            if (fetchSize > 0) {
                statement = statement.filter(executed -> executed.fetchSize(fetchSize));
            }
            return statement.<R>map(row -> mapper.apply(row)).all();
        }).apply(connection);
    }
}
