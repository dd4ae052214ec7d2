package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** Ports picked together for servers started together are distinct, and free on 127.0.0.1. */
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
        assertThat(LoopbackPorts.free()).isPositive();
    }
}
