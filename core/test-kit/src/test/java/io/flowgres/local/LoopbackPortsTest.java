package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Ports picked together for servers started together are distinct, free on 127.0.0.1, and outside the
 * kernel's ephemeral range.
 */
final class LoopbackPortsTest {

    @Test
    void portsPickedTogetherAreDistinct() {
        for (int round = 0; round < 50; round++) {
            int[] ports = LoopbackPorts.free(5);
            assertThat(ports).hasSize(5);
            assertThat(Arrays.stream(ports).allMatch(port -> port > 0 && port < 65_536)).isTrue();
            assertThat(Arrays.stream(ports).distinct().count()).as("distinct ports in %s", Arrays.toString(ports))
                    .isEqualTo(5);
        }
        assertThat(LoopbackPorts.free(0)).isEmpty();
        // Below the kernel's ephemeral range, where port 0 reservations and outgoing connections take theirs.
        int below = LoopbackPorts.ephemeralLow();
        int[] drawn = LoopbackPorts.free(20);
        assertThat(Arrays.stream(drawn).allMatch(port -> port >= LoopbackPorts.LOWEST && port < below))
                .as("%s within [%d, %d)", Arrays.toString(drawn), LoopbackPorts.LOWEST, below).isTrue();
        assertThat(LoopbackPorts.free()).isPositive();
    }
}
