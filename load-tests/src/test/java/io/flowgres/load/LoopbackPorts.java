package io.flowgres.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free ports on 127.0.0.1 for the services the benchmarks and the chaos run start and stop. */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * A TCP port free on 127.0.0.1 now; the service binds it a moment later.
     *
     * @return the port
     * @throws UncheckedIOException when no port can be reserved
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
