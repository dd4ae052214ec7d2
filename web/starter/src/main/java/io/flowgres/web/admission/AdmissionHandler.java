package io.flowgres.web.admission;

import java.util.Optional;

import com.netflix.concurrency.limits.Limiter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;

/**
 * The {@link AdmissionFilter}'s lanes decided in an HTTP/1.1 connection's Netty pipeline, as soon as
 * a request's head is decoded: a refusal is written from here, so that it costs neither a WebFlux
 * exchange, nor Boot's {@code http.server.requests} observation, nor the filter chain: measured alone,
 * 25 µs of the service's CPU a refusal here against 66 µs through WebFlux, where under 2,000 clients that
 * sent again at once the refusals took the CPU that admitted requests needed (load-tests/README.md,
 * issue #11). Refusals are counted in {@value AdmissionFilter#REJECTED} as before, and no longer in
 * {@code http.server.requests}.
 *
 * <p>An admitted request goes on with its place, which the filter then leaves alone, and gives the
 * place back when its response's head is written (what the filter calls committed), or when the
 * connection closes first. A request that arrives while an earlier one on the same connection still
 * waits for its response (HTTP pipelining, which few clients use) is left to the filter: a refusal
 * written from here would overtake that response.
 *
 * <p>One per connection: it keeps the connection's state.
 */
public final class AdmissionHandler extends ChannelDuplexHandler {

    /** The handler's name in the pipeline. */
    public static final String NAME = "flowgres.admission";

    /** The place of the request admitted here and not answered yet. */
    private static final AttributeKey<AdmissionFilter.Place> ADMITTED =
            AttributeKey.valueOf("flowgres.admission.admitted");

    private final AdmissionFilter lanes;
    /** Requests passed on whose final response has not been written yet. */
    private int owed;
    /** Whether the request being read was refused: what arrives of its body is dropped up to its end. */
    private boolean dropping;
    /** Whether the response being written is informational (100 Continue): not yet the request's answer. */
    private boolean informational;

    /**
     * Creates the handler of one connection.
     *
     * @param lanes the filter whose lanes, limits and meters it shares
     */
    public AdmissionHandler(AdmissionFilter lanes) {
        this.lanes = lanes;
    }

    /**
     * Adds a handler right after the HTTP/1.1 codec of a connection's pipeline; a pipeline without
     * that codec (HTTP/2) is left as it is, to the filter.
     *
     * @param pipeline a new connection's pipeline
     * @param lanes the filter whose lanes it shares
     */
    public static void install(ChannelPipeline pipeline, AdmissionFilter lanes) {
        if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new AdmissionHandler(lanes));
        }
    }

    /**
     * Whether an exchange's request was admitted by a handler already (then the filter lets it through).
     *
     * @param exchange the exchange
     * @return whether its connection holds a place for it
     */
    static boolean admittedBefore(ServerWebExchange exchange) {
        Object request;
        try {
            request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        } catch (IllegalArgumentException | IllegalStateException notAServersRequest) {
            // A request of another server, or a mock one: no pipeline decided it.
            return false;
        }
        return request instanceof Connection connection && connection.channel().hasAttr(ADMITTED)
                && connection.channel().attr(ADMITTED).get() != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (owed == 0 && request.decoderResult().isSuccess() && !admit(ctx, request)) {
                return;
            }
            owed++;
        } else if (dropping && msg instanceof HttpContent content) {
            dropping = !(content instanceof LastHttpContent);
            content.release();
            if (!dropping && !ctx.channel().config().isAutoRead()) {
                // Nobody downstream saw this request, so nobody else asks for the next one.
                ctx.read();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Decides a request: admitted (or not limited) goes on; refused is answered here and dropped. */
    private boolean admit(ChannelHandlerContext ctx, HttpRequest request) {
        String path = pathOf(request.uri());
        AdmissionFilter.Lane lane = path == null ? null : lanes.laneOf(request.method().name(), path);
        if (lane == null) {
            return true;
        }
        Optional<Limiter.Listener> admitted = lane.acquire();
        if (admitted.isPresent()) {
            ctx.channel().attr(ADMITTED).set(new AdmissionFilter.Place(admitted.get()));
            return true;
        }
        refuse(ctx, request);
        return false;
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest request) {
        // A request with a body is answered before its body has arrived, and a client that sees the answer
        // early may stop sending it (one waiting for 100 Continue never starts): the connection could not tell
        // its next request from the rest of that body, so it is closed after the answer. Requests without a
        // body (the reads, nearly every refusal under overload) keep their connection.
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !announcesBody(request);
        dropping = !(request instanceof LastHttpContent);
        if (request instanceof LastHttpContent last) {
            last.release();
        }
        FullHttpResponse refusal = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(AdmissionFilter.PROBLEM));
        refusal.headers()
                .set(HttpHeaderNames.RETRY_AFTER, AdmissionFilter.RETRY_AFTER_SECONDS)
                .set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, AdmissionFilter.PROBLEM.length);
        if (!keepAlive) {
            refusal.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(refusal, ctx.voidPromise());
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            // 100 Continue comes before the answer; 101 Switching Protocols is one (a WebSocket's place is not held
            // for the socket's life).
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL
                    && response.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            if (!informational) {
                AdmissionFilter.Place place = ctx.channel().attr(ADMITTED).getAndSet(null);
                if (place != null) {
                    place.served(response.status().code());
                }
            }
        }
        if (msg instanceof LastHttpContent) {
            if (!informational && owed > 0) {
                owed--;
            }
            informational = false;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Closed before its answer: the place is given back, its latency not learnt.
        AdmissionFilter.Place place = ctx.channel().attr(ADMITTED).getAndSet(null);
        if (place != null) {
            place.ignored();
        }
        ctx.fireChannelInactive();
    }

    /** Whether a request says a body follows its head (a positive length, or chunks). */
    private static boolean announcesBody(HttpRequest request) {
        return HttpUtil.isContentLengthSet(request) ? HttpUtil.getContentLength(request, 0L) > 0
                : HttpUtil.isTransferEncodingChunked(request);
    }

    /** The path of an origin-form request target ({@code /a/b?c}), or {@code null} for any other form. */
    private static @Nullable String pathOf(String uri) {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return null;
        }
        for (int i = 1; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                return uri.substring(0, i);
            }
        }
        return uri;
    }
}
