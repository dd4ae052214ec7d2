package io.flowgres.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports on 127.0.0.1, where every server the tests and benchmarks start listens: the local
 * cluster's nodes, the containers' published ports, the services they run.
 *
 * <p>Ports are drawn at random below the kernel's ephemeral range (Linux's
 * {@code ip_local_port_range}, 32768-60999 by default), not asked of the kernel with port 0, which
 * hands out ports from that range: so are other tools' reservations (a build reserving a port for a
 * service it starts later, such as build-helper's {@code reserve-network-port}) and every outgoing
 * connection's local port, and a cluster picking in the same range could take a port reserved for a
 * service that starts after it (it did once: the headline service found its reserved port taken by
 * its own embedded replica).
 */
public final class LoopbackPorts {

    /** The lowest port drawn: above the well-known and most registered servers' ports. */
    static final int LOWEST = 10_000;
    /** Draws per port before giving up on the range and asking the kernel. */
    private static final int DRAWS = 200;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

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
            int below = ephemeralLow();
            for (int i = 0; i < count; i++) {
                sockets[i] = below - LOWEST >= 1_000 ? drawBelow(below) : null;
                if (sockets[i] == null) {
                    sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                }
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

    /** A socket bound to a random free port in [{@link #LOWEST}, {@code below}), or null when none was found. */
    private static ServerSocket drawBelow(int below) throws IOException {
        for (int draw = 0; draw < DRAWS; draw++) {
            ServerSocket socket = new ServerSocket();
            try {
                // Not SO_REUSEADDR: a port still in TIME_WAIT from an earlier server is passed over.
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        ThreadLocalRandom.current().nextInt(LOWEST, below)), 1);
                return socket;
            } catch (IOException taken) {
                closeQuietly(socket);
            }
        }
        return null;
    }

    /** The lowest port of the kernel's ephemeral range: its first number, 32768 when it cannot be read. */
    static int ephemeralLow() {
        // Read as a line, through a buffer: Files.readString of this file (its reported size is 0) read only
        // its first character here, "3".
        try (BufferedReader reader = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            String[] range = reader.readLine().trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
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
