package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

final class SilentPortTest {

    @Test
    void aHeldPortMakesConnectionsTimeOutAndReleasingItMakesThemRefused() throws IOException {
        int port = freePort();
        SilentPort held = SilentPort.hold(port, Duration.ofSeconds(1));
        assertThat(held).isNotNull();
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> connect(port)).isInstanceOf(SocketTimeoutException.class);
            }
        } finally {
            held.close();
        }
        assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class).hasMessageContaining("refused");
    }

    @Test
    void aPortThatStaysTakenIsReportedAsNotHeld() throws IOException {
        try (ServerSocket owner = new ServerSocket(0, 50, InetAddress.getByName(LocalNode.HOST))) {
            assertThat(SilentPort.hold(owner.getLocalPort(), Duration.ofMillis(200))).isNull();
        }
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(LocalNode.HOST), port), 300);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LocalNode.HOST))) {
            return socket.getLocalPort();
        }
    }
}
