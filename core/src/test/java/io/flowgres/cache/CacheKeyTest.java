package io.flowgres.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

final class CacheKeyTest {

    static Stream<Arguments> sameKeys() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", 2);
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", 2);
        ba.put("a", 1);
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("genre", null);
        Map<String, Object> withNullToo = new HashMap<>();
        withNullToo.put("genre", null);
        return Stream.of(
                Arguments.of("order does not matter", CacheKey.of("q", ab), CacheKey.of("q", ba)),
                Arguments.of("int and long are one integer", CacheKey.of("q", "id", 42), CacheKey.of("q", "id", 42L)),
                Arguments.of("short and long are one integer", CacheKey.of("q", "id", (short) 7),
                        CacheKey.of("q", "id", 7L)),
                Arguments.of("trailing zeros do not matter", CacheKey.of("q", "p", new BigDecimal("1.50")),
                        CacheKey.of("q", "p", new BigDecimal("1.5"))),
                Arguments.of("zero has one scale", CacheKey.of("q", "p", new BigDecimal("0.000")),
                        CacheKey.of("q", "p", BigDecimal.ZERO)),
                Arguments.of("null is a value", CacheKey.of("q", withNull), CacheKey.of("q", withNullToo)),
                Arguments.of("one-parameter and map forms agree", CacheKey.of("q", "id", 1), CacheKey.of("q", Map.of("id", 1))),
                Arguments.of("no parameters", CacheKey.of("q"), CacheKey.of("q", Map.of())));
    }

    static Stream<Arguments> differentKeys() {
        return Stream.of(
                Arguments.of("number and string differ", CacheKey.of("q", "id", 1), CacheKey.of("q", "id", "1")),
                Arguments.of("integer and double differ", CacheKey.of("q", "id", 1), CacheKey.of("q", "id", 1.0)),
                Arguments.of("boolean and string differ", CacheKey.of("q", "f", true), CacheKey.of("q", "f", "true")),
                Arguments.of("query names differ", CacheKey.of("a", "id", 1), CacheKey.of("b", "id", 1)),
                Arguments.of("parameter names differ", CacheKey.of("q", "a", 1), CacheKey.of("q", "b", 1)),
                Arguments.of("null and absent differ", CacheKey.of("q", "a", null), CacheKey.of("q")),
                Arguments.of("values differ", CacheKey.of("q", "id", 1), CacheKey.of("q", "id", 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sameKeys")
    void equivalentParametersMakeOneKey(String why, CacheKey left, CacheKey right) {
        assertThat(left).isEqualTo(right).hasSameHashCodeAs(right).hasToString(right.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("differentKeys")
    void distinctParametersMakeDistinctKeys(String why, CacheKey left, CacheKey right) {
        assertThat(left).isNotEqualTo(right);
        assertThat(left.toString()).isNotEqualTo(right.toString());
    }

    @Test
    void showsParametersSortedWithStringsQuoted() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("status", "open");
        parameters.put("limit", 24);
        parameters.put("after", LocalDate.of(2026, 1, 2));
        assertThat(CacheKey.of("pitches.browse", parameters))
                .hasToString("pitches.browse{after=2026-01-02, limit=24, status=\"open\"}");
        assertThat(CacheKey.of("pitches.browse", parameters).parameters()).containsKeys("after", "limit", "status");
    }

    @Test
    void acceptsEnumsAndUuids() {
        UUID id = UUID.randomUUID();
        assertThat(CacheKey.of("q", "u", id)).isEqualTo(CacheKey.of("q", "u", UUID.fromString(id.toString())));
        assertThat(CacheKey.of("q", "e", java.time.DayOfWeek.MONDAY).parameters().get("e"))
                .isEqualTo(java.time.DayOfWeek.MONDAY);
    }

    @Test
    void rejectsMutableValues() {
        assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.of("q", "ids", new ArrayList<>()))
                .withMessage("parameter 'ids' must be a string, boolean, character, number, enum, UUID, java.time "
                        + "value or null, was java.util.ArrayList");
    }

    @Test
    void rejectsBlankNames() {
        assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.of(" "))
                .withMessage("query must not be blank, was ' '");
        assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.of("q", "", 1))
                .withMessage("parameter name must not be blank, was ''");
    }
}
