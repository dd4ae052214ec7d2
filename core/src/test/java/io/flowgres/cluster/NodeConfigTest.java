package io.flowgres.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

final class NodeConfigTest {

    @Test
    void parsesHostPortAndDatabase() {
        NodeConfig node = NodeConfig.of("replica-1", "r2dbc:postgresql://db.example:6543/films");

        assertThat(node.host()).isEqualTo("db.example");
        assertThat(node.port()).isEqualTo(6543);
        assertThat(node.database()).isEqualTo("films");
        assertThat(node.weight()).isEqualTo(NodeConfig.DEFAULT_WEIGHT).isEqualTo(1.0);
        assertThat(node.pool()).isNull();
    }

    @Test
    void portDefaultsToPostgresDefault() {
        assertThat(NodeConfig.of("primary", "r2dbc:postgresql://db/films").port()).isEqualTo(5432);
    }

    @Test
    void wrongSchemeIsRejectedWithoutShowingThePassword() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NodeConfig.of("primary", "r2dbc:mysql://app:hunter2@db:3306/films"))
                .withMessage("primary url must start with r2dbc:postgresql://, was 'r2dbc:mysql://db:3306/films'");
    }

    @Test
    void urlWithoutDatabaseIsRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NodeConfig.of("primary", "r2dbc:postgresql://app:hunter2@db:5432"))
                .withMessage("primary url must name a database, was 'r2dbc:postgresql://db:5432'");
    }

    @Test
    void malformedUrlIsRejectedWithoutShowingThePassword() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NodeConfig.of("primary", "r2dbc:postgresql://app:hunter2@db:notaport/films"))
                .withMessage("primary url has a malformed host or port, was 'r2dbc:postgresql://db:notaport/films'");
    }

    @Test
    void passwordInUrlNeverShows() {
        NodeConfig node = NodeConfig.of("primary", "r2dbc:postgresql://app:hunter2@db:5432/films?sslmode=disable");

        assertThat(node.displayUrl()).isEqualTo("r2dbc:postgresql://db:5432/films");
        assertThat(node.toString()).doesNotContain("hunter2");
    }

    @Test
    void badNamesAndWeightsAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> NodeConfig.of("-x", "r2dbc:postgresql://db/films"))
                .withMessage("node name must be 1-63 letters, digits, '_', '.' or '-' starting with a letter or digit, "
                        + "was '-x'");
        NodeConfig node = NodeConfig.of("replica-1", "r2dbc:postgresql://db/films");
        assertThatIllegalArgumentException().isThrownBy(() -> node.withWeight(0))
                .withMessage("replica-1 weight must be > 0 and <= 1000, was 0.0");
        assertThat(node.withWeight(2.5).weight()).isEqualTo(2.5);
    }
}
