package io.flowgres.web.paging;

import java.util.List;
import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;

/**
 * How a {@link KeysetBrowser} runs its statement on the connection its Flowgres read lends: through the
 * R2DBC SPI ({@link #SPI}, the default), or through Spring's {@code DatabaseClient}
 * ({@code io.flowgres.web.r2dbc.DatabaseClientStatements}) in an application whose data access is
 * written with it. Either way the read keeps its node selection, deadline, hedging and retries.
 */
public interface BrowseStatements {

    /** The R2DBC SPI: the statement created, bound and executed on the connection. */
    BrowseStatements SPI = new SpiStatements();

    /**
     * Runs one statement and maps its rows.
     *
     * @param connection the connection the read lends
     * @param sql the statement, with {@code $1}, {@code $2}... markers
     * @param values the values of the markers, in order
     * @param fetchSize rows fetched per round trip through a server-side cursor; 0 for all at once
     * @param mapper maps a row while it is valid
     * @param <R> the mapped type
     * @return the mapped rows, as fast as the subscriber requests them
     */
    <R> Flux<R> rows(Connection connection, String sql, List<Object> values, int fetchSize,
            Function<? super Readable, ? extends R> mapper);
}
