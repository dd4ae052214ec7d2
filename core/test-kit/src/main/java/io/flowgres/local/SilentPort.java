package io.flowgres.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A loopback port held during a network partition so that connecting to it hangs, as to an
 * unreachable host, instead of being refused: a listening socket whose accept queue is filled by
 * the holder itself and never served, so the kernel silently drops every further SYN and a
 * client's connect timeout is what ends its attempt.
 */
final class SilentPort implements AutoCloseable {

    private static final Duration FILL_PROBE = Duration.ofMillis(200);
    private static final int MAX_FILLERS = 16;

    private final ServerSocket server;
    private final List<Socket> fillers;

    private SilentPort(ServerSocket server, List<Socket> fillers) {
        this.server = server;
        this.fillers = fillers;
    }

    /**
     * Binds the port, waiting for its previous owner (the engine's port proxy) to let it go.
     *
     * @param port the port on {@value LocalNode#HOST}
     * @param timeout how long to wait for the port
     * @return the held port, or null when it did not become free in time (then whatever still
     *         owns it decides what a client sees)
     */
    static @Nullable SilentPort hold(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ServerSocket server = null;
            try {
                server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(InetAddress.getByName(LocalNode.HOST), port), 1);
                return new SilentPort(server, fill(port));
            } catch (IOException e) {
                closeQuietly(server);
                if (System.nanoTime() - deadline > 0) {
                    return null;
                }
                LocalNode.sleep(50);
            }
        }
    }

    private static List<Socket> fill(int port) throws IOException {
        List<Socket> fillers = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_FILLERS; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress(InetAddress.getByName(LocalNode.HOST), port),
                            (int) FILL_PROBE.toMillis());
                    fillers.add(socket);
                } catch (SocketTimeoutException full) {
                    socket.close();
                    return fillers; // the queue is full: further SYNs are dropped
                }
            }
            return fillers;
        } catch (IOException e) {
            fillers.forEach(SilentPort::closeQuietly);
            throw e;
        }
    }

    /** Lets the port go: the connections queued on it are reset. */
    @Override
    public void close() {
        fillers.forEach(SilentPort::closeQuietly);
        closeQuietly(server);
    }

    private static void closeQuietly(@Nullable AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // nothing left to release
        }
    }
}
