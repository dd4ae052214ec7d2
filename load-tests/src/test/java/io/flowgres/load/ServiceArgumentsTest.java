package io.flowgres.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class ServiceArgumentsTest {

    @Test
    void wordsAreSplitOnAnyWhitespaceAndABlankLineHasNone() {
        assertThat(ServiceArguments.words("  --a=1 \t --b=two  ")).containsExactly("--a=1", "--b=two");
        assertThat(ServiceArguments.words("")).isEmpty();
        assertThat(ServiceArguments.words("   ")).isEmpty();
    }

    @Test
    void anUnsetPropertyHasNoWords() {
        assertThat(ServiceArguments.fromProperty("flowgres.test.never.set")).isEmpty();
    }
}
