package io.flowgres.web.routing;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.flowgres.routing.ConsistencyToken;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * The consistency tokens of the writes one request committed, kept in its Reactor {@code Context} by
 * {@link ConsistencyFilter} and filled by the routing factory's writer connections that wrote
 * ({@code FlowgresRouting.recordWrites}), or by the application (a facade write's token): the latest
 * is the one the response carries. Combining keeps the
 * furthest position, and a writer-only token (a commit whose position could not be read) wins, so the
 * client's next read never sees less than every write of this request. Thread-safe.
 */
public final class WriteTokens {

    private final AtomicReference<@Nullable ConsistencyToken> latest = new AtomicReference<>();

    /** Creates an empty record, for one request. */
    public WriteTokens() {
    }

    /**
     * The record of the request this context belongs to, if a {@link ConsistencyFilter} started one.
     *
     * @param context the Reactor context
     * @return the record
     */
    public static Optional<WriteTokens> of(ContextView context) {
        return context.getOrEmpty(WriteTokens.class);
    }

    /**
     * Records a committed write's token.
     *
     * @param token the commit's token
     */
    public void record(ConsistencyToken token) {
        latest.accumulateAndGet(token, ConsistencyToken::later);
    }

    /** The token that covers every recorded write, if any write was recorded. */
    public Optional<ConsistencyToken> latest() {
        return Optional.ofNullable(latest.get());
    }
}
