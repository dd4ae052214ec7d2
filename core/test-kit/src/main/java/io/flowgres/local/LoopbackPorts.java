package io.flowgres.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free ports on 127.0.0.1, where every server the tests and benchmarks start listens: the local
 * cluster's nodes, the containers' published ports, the services they run.
 */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * A TCP port free on 127.0.0.1 now; its server binds it a moment later.
     *
     * @return the port
     * @throws UncheckedIOException when no port can be reserved
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
