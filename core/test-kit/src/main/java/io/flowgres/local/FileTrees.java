package io.flowgres.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes directory trees: a cluster's work directory, a snapshot's staged or replaced copies. */
final class FileTrees {

    private static final Logger log = LoggerFactory.getLogger(FileTrees.class);

    private FileTrees() {
    }

    /**
     * Deletes a file or directory tree; what cannot be deleted is logged and left behind.
     *
     * @param root the tree; nothing happens when it does not exist
     */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path each : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(each);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not delete {}: {}", root, e.getMessage());
        }
    }
}
