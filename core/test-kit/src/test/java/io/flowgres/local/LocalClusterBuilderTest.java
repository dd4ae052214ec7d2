package io.flowgres.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LocalClusterBuilderTest {

    @TempDir
    Path temp;

    @Test
    void badSettingsAreRejectedWithTheValue() {
        LocalCluster.Builder builder = LocalCluster.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> builder.replicas(-1))
                .withMessage("replicas must be between 0 and 16, was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.replicas(17))
                .withMessage("replicas must be between 0 and 16, was 17");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.database("Bad-Name"))
                .withMessage("database must be a lower-case identifier, was 'Bad-Name'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.password("has space"))
                .withMessage("password must be 1-64 letters, digits, '_', '.' or '-'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.serverSetting("Work Mem", "4MB"))
                .withMessage("server setting name must be lower-case letters, '_' or '.', was 'Work Mem'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.startupTimeout(Duration.ZERO))
                .withMessage("startupTimeout must be positive, was PT0S");
    }

    @Test
    void missingAccountIsExplainedWhenRoot() {
        if (!ProcessRunner.isRoot()) {
            return; // only root needs another account
        }
        assertThatIllegalStateException().isThrownBy(() -> ProcessRunner.forCurrentUser("no_such_account_x"))
                .withMessageContaining("PostgreSQL refuses to run as root")
                .withMessageContaining("useradd --system --create-home no_such_account_x");
    }

    @Test
    void explicitDirectoryComesFirstAndMustBeComplete() throws IOException {
        Path explicit = fakeInstallation(temp.resolve("explicit"));
        Path system = temp.resolve("system");
        fakeInstallation(system.resolve("16/bin"));

        assertThat(PostgresBinaries.locate(explicit, key -> null, key -> null, system, false).bin()).isEqualTo(explicit);
        Path empty = Files.createDirectories(temp.resolve("empty"));
        assertThatIllegalStateException()
                .isThrownBy(() -> PostgresBinaries.locate(empty, key -> null, key -> null, system, false))
                .withMessage("the explicit bin directory " + empty + " does not contain initdb, pg_ctl and postgres");
    }

    @Test
    void propertyThenEnvironmentThenNewestSystemVersion() throws IOException {
        Path fromProperty = fakeInstallation(temp.resolve("property"));
        Path fromEnvironment = fakeInstallation(temp.resolve("environment"));
        Path system = temp.resolve("system");
        fakeInstallation(system.resolve("9.6/bin"));
        fakeInstallation(system.resolve("15/bin"));
        Path newest = fakeInstallation(system.resolve("16/bin"));
        Files.createDirectories(system.resolve("17/bin")); // incomplete: skipped
        Map<String, String> properties = Map.of(PostgresBinaries.BIN_PROPERTY, fromProperty.toString());
        Map<String, String> environment = Map.of(PostgresBinaries.BIN_ENVIRONMENT, fromEnvironment.toString());

        assertThat(PostgresBinaries.locate(null, properties::get, environment::get, system, false).bin())
                .isEqualTo(fromProperty);
        assertThat(PostgresBinaries.locate(null, key -> null, environment::get, system, false).bin())
                .isEqualTo(fromEnvironment);
        assertThat(PostgresBinaries.locate(null, key -> null, key -> null, system, false).bin()).isEqualTo(newest);
    }

    @Test
    void nothingFoundSaysWhereToLook() {
        assertThatIllegalStateException()
                .isThrownBy(() -> PostgresBinaries.locate(null, key -> null, key -> null, temp.resolve("none"), false))
                .withMessageStartingWith("no PostgreSQL binaries found: set -Dflowgres.local.pgBin or FLOWGRES_PG_BIN");
    }

    private static Path fakeInstallation(Path bin) throws IOException {
        Files.createDirectories(bin);
        for (String program : new String[] {"initdb", "pg_ctl", "postgres"}) {
            Path file = Files.writeString(bin.resolve(program), "#!/bin/sh\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }
}
