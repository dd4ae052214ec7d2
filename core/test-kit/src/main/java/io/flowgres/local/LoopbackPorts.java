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
        return free(1)[0];
    }

    /**
     * Distinct TCP ports free on 127.0.0.1 now, for servers started together (a cluster's nodes): each is
     * held until all are found, so no two of them are the same port, as two calls of {@link #free()} may
     * be before the first server binds its port.
     *
     * @param count how many ports, at least 1
     * @return the ports
     * @throws UncheckedIOException when they cannot be reserved
     */
    public static int[] free(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no " + count + " free ports on 127.0.0.1", e);
        } finally {
            for (ServerSocket socket : sockets) {
                closeQuietly(socket);
            }
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // Only a reservation: the port is free again either way once the process lets go of it.
        }
    }
}
