package io.flowgres.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check sees a buffer that was dropped without being released. */
final class NettyLeakCheckTest {

    @Test
    void aDroppedBufferIsReportedWithWhereItWasAllocated() {
        assumeTrue(RecordingLeakDetector.installed(), "run by the build, with the recording detector");
        assertThat(NettyLeakCheck.collect()).as("no leak before this test").isEmpty();

        leakOneBuffer();
        List<String> leaks = NettyLeakCheck.collect();

        assertThat(leaks).hasSize(1);
        assertThat(leaks.get(0)).startsWith("LEAK: ByteBuf.release() was not called")
                .contains("NettyLeakCheckTest.leakOneBuffer");
    }

    private static void leakOneBuffer() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(16);
        buffer.writeInt(42);
    }
}
