package io.flowgres.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import org.junit.jupiter.api.Test;

final class ClusterBackendTest {

    @Test
    void autoIsTheDefaultAndThePropertyWinsOverTheEnvironment() {
        assertThat(ClusterBackend.configured(null, null)).isEqualTo(ClusterBackend.AUTO);
        assertThat(ClusterBackend.configured(" ", "")).isEqualTo(ClusterBackend.AUTO);
        assertThat(ClusterBackend.configured(null, "local")).isEqualTo(ClusterBackend.LOCAL);
        assertThat(ClusterBackend.configured("Testcontainers", "local")).isEqualTo(ClusterBackend.TESTCONTAINERS);
        assertThat(ClusterBackend.configured(" auto ", "local")).isEqualTo(ClusterBackend.AUTO);
    }

    @Test
    void unknownValuesAreRejectedNamingTheSetting() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClusterBackend.configured("docker", null))
                .withMessage("flowgres.test.backend must be one of auto, local, testcontainers, was 'docker'");
        assertThatIllegalArgumentException().isThrownBy(() -> ClusterBackend.configured(null, "containers"))
                .withMessage("FLOWGRES_TEST_BACKEND must be one of auto, local, testcontainers, was 'containers'");
        assertThatIllegalArgumentException().isThrownBy(() -> ClusterBackend.parse(""))
                .withMessage("flowgres.test.backend must be one of auto, local, testcontainers, was ''");
    }

    @Test
    void autoFollowsDockerAndLocalNeverAsks() {
        assertThat(ClusterBackend.AUTO.resolve(() -> true)).isEqualTo(ClusterBackend.TESTCONTAINERS);
        assertThat(ClusterBackend.AUTO.resolve(() -> false)).isEqualTo(ClusterBackend.LOCAL);
        assertThat(ClusterBackend.LOCAL.resolve(() -> {
            throw new AssertionError("local must not look for Docker");
        })).isEqualTo(ClusterBackend.LOCAL);
        assertThat(ClusterBackend.LOCAL.resolve()).isEqualTo(ClusterBackend.LOCAL);
        assertThat(ClusterBackend.TESTCONTAINERS.resolve(() -> true)).isEqualTo(ClusterBackend.TESTCONTAINERS);
    }

    @Test
    void demandedContainersWithoutDockerFailInsteadOfFallingBack() {
        assertThatIllegalStateException().isThrownBy(() -> ClusterBackend.TESTCONTAINERS.resolve(() -> false))
                .withMessage("flowgres.test.backend=testcontainers, but Testcontainers finds no Docker engine that "
                        + "answers (start one, or point DOCKER_HOST at one), or choose auto or local");
    }

    @Test
    void printsAsTheSettingValue() {
        assertThat(ClusterBackend.TESTCONTAINERS).hasToString("testcontainers");
        assertThat(ClusterBackend.parse(ClusterBackend.AUTO.toString())).isEqualTo(ClusterBackend.AUTO);
    }
}
