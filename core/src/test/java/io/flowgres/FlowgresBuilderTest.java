package io.flowgres;

import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.flowgres.cluster.ClusterConfig;
import org.junit.jupiter.api.Test;

/** The facade's builder fails at the line that made the mistake. */
final class FlowgresBuilderTest {

    private final Flowgres.Builder builder = Flowgres.builder(
            ClusterConfig.builder().primary("r2dbc:postgresql://127.0.0.1:5432/app").build());

    @Test
    void anObservationRegistryMustBeGiven() {
        assertThatNullPointerException().isThrownBy(() -> builder.observationRegistry(null))
                .withMessage("observationRegistry must not be null");
    }
}
