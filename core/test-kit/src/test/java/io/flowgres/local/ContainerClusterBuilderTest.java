package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

final class ContainerClusterBuilderTest {

    @Test
    void badSettingsAreRejectedWithTheValue() {
        ContainerCluster.Builder builder = ContainerCluster.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> builder.replicas(17))
                .withMessage("replicas must be between 0 and 16, was 17");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.user("Admin"))
                .withMessage("user must be a lower-case identifier, was 'Admin'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.password("it's"))
                .withMessage("password must be 1-64 letters, digits, '_', '.' or '-'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.postgresVersion("16 beta"))
                .withMessage("postgresVersion must be an image tag such as 16 or 17.2, was '16 beta'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.image(" "))
                .withMessage("image must not be blank, was ' '");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.serverSetting("work_mem", "4MB\n"))
                .withMessage("server setting work_mem must have a one-line value");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.startupTimeout(Duration.ofSeconds(-1)))
                .withMessage("startupTimeout must be positive, was PT-1S");
    }

    @Test
    void officialImageOfTheVersionUnlessOneIsConfigured() {
        assertThat(ContainerCluster.DEFAULT_POSTGRES_VERSION).isEqualTo("15");
        assertThat(ContainerCluster.Builder.DEFAULT_STARTUP_TIMEOUT).isEqualTo(Duration.ofSeconds(120));
        assertThat(ContainerCluster.image(null, "15").asCanonicalNameString()).isEqualTo("postgres:15");
        assertThat(ContainerCluster.image("  ", "16.4").asCanonicalNameString()).isEqualTo("postgres:16.4");

        DockerImageName local = ContainerCluster.image(" flowgres/postgres:15-0123456789ab ", "16");
        assertThat(local.asCanonicalNameString()).isEqualTo("flowgres/postgres:15-0123456789ab");
        assertThat(local.isCompatibleWith(DockerImageName.parse("postgres"))).isTrue();
    }
}
