package io.flowgres.web.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * What the consistency filter shows Spring's filter chain, which names the filter's part of every request
 * with its {@code toString()}: one constant string, not one built per request.
 */
final class ConsistencyFilterTest {

    @Test
    void itsNameIsOneConstantStringForTheChainsCheckpointOfEveryRequest() {
        ConsistencyFilter filter = new ConsistencyFilter(new ConsistencyHeader(
                new ConsistencyTokenSigner("a-token-secret-of-16+".getBytes(StandardCharsets.UTF_8))));

        assertThat(filter.toString()).isEqualTo("Flowgres consistency filter").isSameAs(filter.toString());
    }
}
