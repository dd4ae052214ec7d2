package io.flowgres.web.routing;

import io.flowgres.r2dbc.FlowgresRouting;
import io.flowgres.routing.ConsistencyToken;
import io.flowgres.web.problem.BadRequestException;
import io.flowgres.web.problem.ProblemResponses;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Read-your-writes for any application, with no code of its own: the {@value ConsistencyHeader#NAME}
 * token a client sends is put in the request's Reactor {@code Context} ({@link FlowgresRouting#consistency}),
 * so that every connection of the routing {@code ConnectionFactory} the request opens comes from a
 * replica that has replayed it, else from the primary; and the writes the request makes through that
 * factory (its committed read-write transactions, its auto-commit statements on the primary:
 * {@link FlowgresRouting#recordWrites}, into the request's {@link WriteTokens}) are answered with a
 * token in the same header, for the client's next request. A header that is not a token this service signed
 * is a 400 problem naming it.
 */
public final class ConsistencyFilter implements WebFilter, Ordered {

    /** Right after the admission filter: a refused request costs nothing here. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private static final HandlerStrategies STRATEGIES = HandlerStrategies.withDefaults();
    private static final ServerResponse.Context RESPONSE_CONTEXT = new ServerResponse.Context() {
        @Override
        public java.util.List<org.springframework.http.codec.HttpMessageWriter<?>> messageWriters() {
            return STRATEGIES.messageWriters();
        }

        @Override
        public java.util.List<ViewResolver> viewResolvers() {
            return STRATEGIES.viewResolvers();
        }
    };

    private final ConsistencyHeader header;

    /**
     * Creates the filter.
     *
     * @param header checks the tokens clients send and signs the ones the responses carry
     */
    public ConsistencyFilter(ConsistencyHeader header) {
        this.header = header;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ConsistencyToken sent;
        try {
            sent = header.from(exchange.getRequest().getHeaders());
        } catch (BadRequestException e) {
            return ProblemResponses.toResponse(e).flatMap(problem -> problem.writeTo(exchange, RESPONSE_CONTEXT));
        }
        WriteTokens writes = new WriteTokens();
        ServerHttpResponse response = exchange.getResponse();
        response.beforeCommit(() -> Mono.fromRunnable(() -> writes.latest()
                .ifPresent(token -> response.getHeaders().set(ConsistencyHeader.NAME, header.sign(token)))));
        @Nullable ConsistencyToken token = sent;
        return chain.filter(exchange).contextWrite(context -> {
            var withWrites = FlowgresRouting.recordWrites(writes::record).apply(context.put(WriteTokens.class, writes));
            return token == null ? withWrites : FlowgresRouting.consistency(token).apply(withWrites);
        });
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    /**
     * A constant name: Spring's filter chain names each filter's part of every request with it (a Reactor
     * checkpoint), and {@code Object}'s would be built anew each time (about 400 bytes a request).
     */
    @Override
    public String toString() {
        return "Flowgres consistency filter";
    }
}
