package io.flowgres.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

/**
 * The admission lanes in a connection's Netty pipeline (an HTTP/1.1 codec and the handler in an
 * embedded channel, a recorder standing for WebFlux behind them): a request past the limit is
 * answered 503 there and never reaches the application, its connection read on, or closed when a
 * body was announced; an admitted request's place is given back when its response's head is written, or when its
 * connection closes; a request pipelined behind one still unanswered is left to the filter.
 */
final class AdmissionHandlerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdmissionFilter lanes = new AdmissionFilter(1, 1, 1, List.of("/api/"), List.of("/api/health"),
            registry);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aRequestPastTheLimitIsAnsweredInThePipelineAndItsConnectionGoesOn() {
        Connection holding = connect();
        holding.send("GET /api/pitches/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(holding.received()).containsExactly("GET /api/pitches/1");

        Connection refused = connect();
        refused.send("GET /api/pitches/2?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(refused.received()).isEmpty();
        String answer = refused.written();
        assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable").containsIgnoringCase("retry-after: 1")
                .containsIgnoringCase("content-type: application/problem+json").contains("\"status\":503")
                .doesNotContainIgnoringCase("connection: close");
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "read").count()).isEqualTo(1.0);
        // Not limited, so never refused.
        refused.send("GET /api/health HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(refused.received()).containsExactly("GET /api/health");
        refused.answer();

        holding.answer(); // its head written: the place is free
        refused.send("GET /api/pitches/3 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(refused.received()).containsExactly("GET /api/health", "GET /api/pitches/3");
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "read").count()).isEqualTo(1.0);
    }

    @Test
    void aRefusedRequestWithABodyClosesItsConnectionAndNoneOfItReachesTheApplication() {
        Connection holding = connect();
        holding.send("DELETE /api/pitches/1 HTTP/1.1\r\nHost: a\r\n\r\n");

        // The client may stop sending a body it sees answered: what follows could be the body's rest or a request.
        Connection refused = connect();
        refused.send("POST /api/pitches HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n{\"title\":\"GET");
        assertThat(refused.written()).startsWith("HTTP/1.1 503").containsIgnoringCase("connection: close");
        assertThat(refused.channel.isOpen()).isFalse();
        assertThat(refused.received()).as("neither the request nor its body reached the application").isEmpty();
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "write").count()).isEqualTo(1.0);
    }

    @Test
    void aConnectionClosedBeforeItsAnswerGivesItsPlaceBack() {
        Connection closing = connect();
        closing.send("GET /api/pitches/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        closing.channel.close();

        Connection next = connect();
        next.send("GET /api/pitches/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(next.received()).containsExactly("GET /api/pitches/2");
    }

    @Test
    void aContinueIsNotTheAnswer() {
        Connection holding = connect();
        holding.send("POST /api/pitches HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        holding.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));

        Connection refused = connect();
        refused.send("DELETE /api/pitches/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(refused.written()).as("the place is still taken").startsWith("HTTP/1.1 503")
                .doesNotContainIgnoringCase("connection: close");
        assertThat(refused.channel.isOpen()).as("no body announced, so the connection goes on").isTrue();
    }

    @Test
    void aSwitchToAnotherProtocolIsTheAnswerAndGivesThePlaceBack() {
        Connection upgrading = connect();
        upgrading.send("GET /api/socket HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        upgrading.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));

        Connection next = connect();
        next.send("GET /api/pitches/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(next.received()).containsExactly("GET /api/pitches/2");
    }

    @Test
    void aRequestPipelinedBehindAnUnansweredOneIsLeftToTheFilter() {
        Connection pipelining = connect();
        pipelining.send("GET /api/pitches/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /api/pitches/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        // The second is past the limit, but an answer written here would overtake the first one's.
        assertThat(pipelining.received()).containsExactly("GET /api/pitches/1", "GET /api/pitches/2");
        assertThat(pipelining.written()).isEmpty();
        assertThat(registry.counter(AdmissionFilter.REJECTED, AdmissionFilter.LANE, "read").count()).isZero();
    }

    private Connection connect() {
        Connection connection = new Connection();
        channels.add(connection.channel);
        return connection;
    }

    /** One client connection: bytes in, what reached the application, bytes out. */
    private final class Connection {

        private final List<String> received = new ArrayList<>();
        private final EmbeddedChannel channel = new EmbeddedChannel();

        Connection() {
            channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
            AdmissionHandler.install(channel.pipeline(), lanes);
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof HttpRequest request) {
                        received.add(request.method() + " " + request.uri());
                    }
                    if (msg instanceof HttpContent content && content.content().isReadable()) {
                        received.add("body " + content.content().toString(StandardCharsets.UTF_8));
                    }
                    ReferenceCountUtil.release(msg);
                }
            });
        }

        void send(String bytes) {
            channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
        }

        List<String> received() {
            return received;
        }

        /** The application answers its oldest request. */
        void answer() {
            DefaultFullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            write(ok);
            written();
        }

        void write(Object response) {
            channel.writeOutbound(response);
        }

        String written() {
            StringBuilder all = new StringBuilder();
            for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
                ByteBuf bytes = (ByteBuf) out;
                all.append(bytes.toString(StandardCharsets.UTF_8));
                bytes.release();
            }
            return all.toString();
        }
    }
}
