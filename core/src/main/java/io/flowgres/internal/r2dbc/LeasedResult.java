package io.flowgres.internal.r2dbc;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import io.flowgres.internal.DroppedBuffers;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Wrapped;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * A result of a {@link LeasedStatement}: the driver's, whose rows, when their consumer is cancelled,
 * release the buffers the driver drops ({@link DroppedBuffers}). The driver encodes a statement's
 * parameters and decodes its rows only when the result is consumed, in the consumer's subscription,
 * so that is where the release has to be installed.
 */
final class LeasedResult implements Result, Wrapped<Result> {

    private final Result result;

    LeasedResult(Result result) {
        this.result = result;
    }

    @Override
    public Publisher<Long> getRowsUpdated() {
        return DroppedBuffers.released(Flux.from(result.getRowsUpdated()));
    }

    @Override
    public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mapping) {
        return DroppedBuffers.released(Flux.from(result.map(mapping)));
    }

    @Override
    public <T> Publisher<T> map(Function<? super Readable, ? extends T> mapping) {
        return DroppedBuffers.released(Flux.from(result.map(mapping)));
    }

    @Override
    public Result filter(Predicate<Segment> filter) {
        return new LeasedResult(result.filter(filter));
    }

    @Override
    public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mapping) {
        return DroppedBuffers.released(Flux.from(result.flatMap(mapping)));
    }

    @Override
    public Result unwrap() {
        return result;
    }
}
