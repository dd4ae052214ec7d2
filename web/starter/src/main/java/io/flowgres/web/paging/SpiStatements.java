package io.flowgres.web.paging;

import java.util.List;
import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;

/** {@link BrowseStatements#SPI}: the statement created, bound and executed on the connection. */
final class SpiStatements implements BrowseStatements {

    @Override
    public <R> Flux<R> rows(Connection connection, String sql, List<Object> values, int fetchSize,
            Function<? super Readable, ? extends R> mapper) {
        Statement statement = connection.createStatement(sql);
        for (int i = 0; i < values.size(); i++) {
            statement.bind(i, values.get(i));
        }
        if (fetchSize > 0) {
            statement.fetchSize(fetchSize);
        }
        return Flux.from(statement.execute()).flatMap(result -> result.map(mapper));
    }
}
