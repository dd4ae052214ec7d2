package io.flowgres.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * A saved copy of a local cluster's primary data directory, which later clusters start from instead of
 * an empty {@code initdb} (issue #16: start-up): a base backup taken with {@code pg_basebackup -X stream}
 * (so it holds the WAL it needs and starts on its own) under {@code data/}, and a manifest saying what it
 * holds under {@code snapshot.properties}. The directory is only ever replaced whole, by renames, so a
 * cluster copying it never sees half of one; a copy that fails anyway (another process replaced it
 * meanwhile) makes the cluster start empty instead.
 */
final class DataSnapshot {

    private static final String DATA = "data";
    private static final String MANIFEST = "snapshot.properties";
    private static final String SPARES = "spares";
    /** The prefix of a spare still being copied: never claimed, removed once its process is gone. */
    private static final String MAKING = ".making-";

    private final Path data;

    private DataSnapshot(Path data) {
        this.data = data;
    }

    /**
     * The snapshot in {@code directory} when it was saved with this label, for these credentials and
     * with this PostgreSQL installation.
     *
     * @param directory where snapshots are saved
     * @param expected what the manifest must say (see {@link #manifest})
     * @return the snapshot, or {@code null} when there is none or it does not match (said in {@code why})
     */
    static @Nullable DataSnapshot find(Path directory, Map<String, String> expected, StringBuilder why) {
        Path manifest = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest) || !Files.isDirectory(directory.resolve(DATA))) {
            why.append("no snapshot in ").append(directory);
            return null;
        }
        Properties saved = new Properties();
        try (Reader reader = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            saved.load(reader);
        } catch (IOException e) {
            why.append("unreadable manifest ").append(manifest).append(": ").append(e.getMessage());
            return null;
        }
        for (Map.Entry<String, String> entry : expected.entrySet()) {
            if (!entry.getValue().equals(saved.getProperty(entry.getKey()))) {
                why.append("the snapshot in ").append(directory).append(" has another ").append(entry.getKey());
                return null;
            }
        }
        return new DataSnapshot(directory.resolve(DATA));
    }

    /**
     * What a snapshot's manifest records and a cluster checks before starting from it.
     *
     * @param label the application's name for the content (e.g. a hash of its schema and seed)
     * @param user the superuser the data knows
     * @param password that superuser's password (only its hash is recorded)
     * @param database the cluster's database
     * @param binaries the installation, whose major version wrote the files
     * @return the manifest's entries
     */
    static Map<String, String> manifest(String label, String user, String password, String database,
            PostgresBinaries binaries) {
        return Map.of("label", label, "user", user, "password-sha256", sha256(user + ':' + password),
                "database", database, "bin", binaries.bin().toAbsolutePath().toString());
    }

    /**
     * Copies the snapshot's data directory into {@code target} (created), keeping file modes.
     *
     * @param target a node's data directory, not existing yet
     */
    void copyInto(Path target) {
        FileTrees.copy(data, target);
    }

    /**
     * Moves a spare copy of the data into {@code target}, when the snapshot has one and it lies on the
     * same file system: a rename instead of a copy, the one cost a start from a snapshot still had
     * (three 89 MB copies for the reference service's cluster, 1-1.5 s of a 6 s start).
     *
     * @param target a node's data directory, not existing yet
     * @return whether a spare is now there; when not, the caller copies
     */
    boolean claimSpare(Path target) {
        Path spares = data.resolveSibling(SPARES);
        try (Stream<Path> each = Files.list(spares)) {
            for (Path spare : (Iterable<Path>) each.filter(path -> !path.getFileName().toString().startsWith("."))
                    ::iterator) {
                try {
                    Files.move(spare, target, StandardCopyOption.ATOMIC_MOVE);
                    return true;
                } catch (java.nio.file.NoSuchFileException takenMeanwhile) {
                    // Another cluster claimed it first: try the next.
                } catch (AtomicMoveNotSupportedException elsewhere) {
                    return false; // another file system: a rename cannot move it
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // No spares (or none readable): copy.
        }
        return false;
    }

    /**
     * Copies the data into spares until there are {@code wanted} (for the next start's nodes), first
     * removing half-made ones whose process has ended. Each is copied under a {@code .making-} name and
     * renamed when complete, so a claim never takes half of one.
     *
     * @param wanted how many spares to keep
     * @return how many were made now
     */
    int replenish(int wanted) {
        Path spares = data.resolveSibling(SPARES);
        int made = 0;
        try {
            Files.createDirectories(spares);
            int ready = 0;
            try (Stream<Path> each = Files.list(spares)) {
                for (Path spare : (Iterable<Path>) each::iterator) {
                    String name = spare.getFileName().toString();
                    if (!name.startsWith(".")) {
                        ready++;
                    } else if (name.startsWith(MAKING) && !alive(name.substring(MAKING.length()))) {
                        FileTrees.delete(spare);
                    }
                }
            }
            for (int i = ready; i < wanted; i++) {
                String unique = unique();
                Path making = spares.resolve(MAKING + unique);
                try {
                    FileTrees.copy(data, making);
                    Files.move(making, spares.resolve(unique), StandardCopyOption.ATOMIC_MOVE);
                    made++;
                } finally {
                    FileTrees.delete(making); // gone after the rename; half a copy otherwise
                }
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            // The snapshot was replaced or removed meanwhile, or the disk is full: the next start copies.
        }
        return made;
    }

    /** A name part no other save or copy uses: this process's id (which {@link #alive} reads back), then the time. */
    private static String unique() {
        return ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    private static boolean alive(String pidAndNanos) {
        try {
            long pid = Long.parseLong(pidAndNanos.substring(0, pidAndNanos.indexOf('-')));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    /**
     * Makes {@code backup} the snapshot in {@code directory}, replacing the one there: the files are
     * copied next to it first, then renamed into place.
     *
     * @param backup a finished base backup of the primary
     * @param directory where the snapshot goes (created with its parents)
     * @param manifest what to record (see {@link #manifest})
     */
    static void publish(Path backup, Path directory, Map<String, String> manifest) {
        Path absolute = directory.toAbsolutePath();
        String unique = unique();
        Path staged = absolute.resolveSibling(absolute.getFileName() + ".saving-" + unique);
        Path replaced = absolute.resolveSibling(absolute.getFileName() + ".old-" + unique);
        try {
            Files.createDirectories(staged);
            FileTrees.copy(backup, staged.resolve(DATA));
            Properties properties = new Properties();
            properties.putAll(manifest);
            properties.put("saved-at", Instant.now().toString());
            try (Writer writer = Files.newBufferedWriter(staged.resolve(MANIFEST), StandardCharsets.UTF_8)) {
                properties.store(writer, "Flowgres local cluster data snapshot");
            }
            if (Files.exists(absolute)) {
                if (!isSnapshotOrEmpty(absolute)) {
                    // A mistyped setting must never cost a directory of something else.
                    throw new IllegalStateException(absolute + " holds something other than a snapshot; not replacing it");
                }
                Files.move(absolute, replaced, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staged, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IllegalStateException("cannot replace " + absolute + " by a rename: " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot save the snapshot in " + absolute + ": " + e.getMessage(), e);
        } finally {
            FileTrees.delete(staged);
            FileTrees.delete(replaced);
        }
    }

    private static boolean isSnapshotOrEmpty(Path directory) throws IOException {
        if (Files.isRegularFile(directory.resolve(MANIFEST))) {
            return true;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Objects.requireNonNull(text).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
