package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

final class PostgresInvalidationsTest {

    @Test
    void fewTagsTravelInOneMessageAfterTheInstanceId() {
        assertThat(PostgresInvalidations.payloads("me", new LinkedHashSet<>(List.of("pitch:1", "user:2", "pitches"))))
                .containsExactly("me pitch:1 user:2 pitches");
        assertThat(PostgresInvalidations.payloads("me", Set.of())).isEmpty();
    }

    @Test
    void manyTagsAreSplitBelowThePayloadLimitWithoutLosingAny() {
        Set<String> tags = new LinkedHashSet<>();
        for (int i = 0; i < 3000; i++) {
            tags.add("pitch:" + i);
        }
        List<String> payloads = PostgresInvalidations.payloads("instance", tags);
        assertThat(payloads).hasSizeGreaterThan(1)
                .allSatisfy(payload -> assertThat(payload).startsWith("instance ")
                        .hasSizeLessThanOrEqualTo(PostgresInvalidations.MAX_PAYLOAD));
        Set<String> received = new LinkedHashSet<>();
        payloads.forEach(payload -> received.addAll(List.of(payload.substring("instance ".length()).split(" "))));
        assertThat(received).isEqualTo(tags);
    }
}
