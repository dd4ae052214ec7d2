package io.flowgres.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

final class UpstreamLeaksTest {

    private static final String PREFIX = "LEAK: ByteBuf.release() was not called before it was garbage-collected.";
    private static final String DATA_ROW = "LEAK: DataRow.release() was not called before it was garbage-collected."
            + "\nRecent access records: \nCreated at:\n\tio.r2dbc.postgresql.message.backend.DataRow.<init>(DataRow.java:37)";
    private static final String DRIVER_FRAME = PREFIX + "\nRecent access records: \n#1:\n"
            + "\tio.netty.util.ReferenceCountUtil.release(ReferenceCountUtil.java:90)\n"
            + "\treactor.netty.channel.FluxReceive.drainReceiver(FluxReceive.java:335)\n#2:\n"
            + "\tio.netty.handler.codec.LengthFieldBasedFrameDecoder.decode(LengthFieldBasedFrameDecoder.java:435)\n";
    private static final String DRIVER_ROW_SLICE = PREFIX + "\nRecent access records: \n#1:\n"
            + "\tio.r2dbc.postgresql.message.backend.DataRow.deallocate(DataRow.java:115)\n";
    private static final String HTTP_BODY = PREFIX + "\nRecent access records: \n#1:\n"
            + "\tio.netty.handler.codec.http.DefaultHttpContent.release(DefaultHttpContent.java:92)\n"
            + "\treactor.netty.channel.FluxReceive.drainReceiver(FluxReceive.java:335)\n#2:\n"
            + "\tHint: 'reactor.left.httpCodec' will handle the message from this point.\n";
    private static final String OWN_BUFFER = PREFIX + "\nRecent access records: \nCreated at:\n"
            + "\tio.netty.buffer.AbstractByteBufAllocator.buffer(AbstractByteBufAllocator.java:96)\n"
            + "\tio.flowgres.web.demo.PitchHandler.export(PitchHandler.java:90)\n";

    /** A bound parameter the driver encoded, dropped by a cancel: Flowgres releases those (DroppedBuffers). */
    private static final String DRIVER_PARAMETER = PREFIX + "\nRecent access records: \n#1:\n"
            + "\tio.netty.buffer.AdvancedLeakAwareByteBuf.writeLong(AdvancedLeakAwareByteBuf.java:575)\n"
            + "\tio.r2dbc.postgresql.codec.AbstractNumericCodec.doEncodeNumber(AbstractNumericCodec.java:106)\n";

    @Test
    void driverRowsAndConnectionBuffersAreToleratedButHttpOwnAndParameterBuffersFail() {
        List<String> leaks = new ArrayList<>(List.of(HTTP_BODY, DRIVER_FRAME, DATA_ROW, OWN_BUFFER,
                DRIVER_ROW_SLICE, DRIVER_PARAMETER));

        List<String> tolerated = UpstreamLeaks.removeTolerated(leaks);

        assertThat(tolerated).containsExactly(DRIVER_FRAME, DATA_ROW, DRIVER_ROW_SLICE);
        assertThat(leaks).containsExactly(HTTP_BODY, OWN_BUFFER, DRIVER_PARAMETER);
    }
}
