package io.flowgres.local;

import java.time.Duration;

import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Testcontainers' wait for a {@link ContainerNode}: the server answers {@code SELECT 1} through its
 * published port. A log line would not do: on a first start the image's entrypoint runs a temporary
 * server (logging "ready to accept connections" once more) on its Unix socket only, and a replica
 * logs "ready to accept read-only connections".
 */
final class NodeReady extends AbstractWaitStrategy {

    private final ContainerNode node;
    private final Duration timeout;

    NodeReady(ContainerNode node, Duration timeout) {
        this.node = node;
        this.timeout = timeout;
    }

    @Override
    protected void waitUntilReady() {
        node.awaitReady(timeout);
    }
}
