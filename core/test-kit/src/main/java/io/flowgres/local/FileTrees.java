package io.flowgres.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies and removes directory trees: data directories into a snapshot and out of it, a running
 * primary's files into a replica; a cluster's work directory, a snapshot's staged or replaced copies.
 */
final class FileTrees {

    private static final Logger log = LoggerFactory.getLogger(FileTrees.class);

    private FileTrees() {
    }

    /**
     * Copies a still directory tree whole, as {@link #copy(Path, Path, Predicate, boolean)} does.
     *
     * @param source the tree to copy
     * @param target where the copy goes; its files must not exist yet
     * @throws IllegalStateException when the copy fails
     */
    static void copy(Path source, Path target) {
        copy(source, target, path -> false, false);
    }

    /**
     * Copies a directory tree: directories with their modes, each file's contents by the kernel
     * ({@code transferTo}: sendfile on Linux), then its mode. A WAL segment is written sparse: a
     * backup's segment is 16 MB of which a few kB are records and the rest zeros, which need not be
     * written (a hole reads as zeros).
     *
     * @param source the tree to copy
     * @param target where the copy goes; its files must not exist yet
     * @param skip paths relative to {@code source} (never empty) to leave out, with what is under them
     * @param live whether the tree may change while it is copied (a running server's data directory, copied
     *     between {@code pg_backup_start()} and {@code pg_backup_stop()}): a file that vanishes or shrinks
     *     meanwhile is copied as far as it goes, which WAL replay makes good
     * @throws IllegalStateException when the copy fails
     */
    static void copy(Path source, Path target, Predicate<Path> skip, boolean live) {
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path each : (Iterable<Path>) tree::iterator) {
                Path relative = source.relativize(each);
                if (!relative.toString().isEmpty() && skip.test(relative)) {
                    continue;
                }
                Path copy = target.resolve(relative.toString());
                if (Files.isDirectory(each)) {
                    Files.createDirectories(copy);
                    Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(each));
                } else {
                    try {
                        copyFile(each, copy);
                    } catch (NoSuchFileException vanished) {
                        if (!live) {
                            throw vanished;
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot copy " + source + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static void copyFile(Path source, Path target) throws IOException {
        boolean walSegment = source.getParent() != null && source.getParent().endsWith("pg_wal");
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            if (walSegment) {
                copySparse(in, out, size);
            } else {
                long copied = 0;
                while (copied < size) {
                    long sent = in.transferTo(copied, size - copied, out);
                    if (sent <= 0) {
                        break; // the file shrank while it was copied (a live tree): as far as it goes
                    }
                    copied += sent;
                }
            }
        }
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
    }

    private static void copySparse(FileChannel in, FileChannel out, long size) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
        long position = 0;
        while (position < size) {
            block.clear();
            int read = in.read(block, position);
            if (read <= 0) {
                break;
            }
            block.flip();
            if (!allZeros(block)) {
                while (block.hasRemaining()) {
                    out.write(block, position + block.position());
                }
            }
            position += read;
        }
        if (out.size() < size) {
            // Extends the file to its full length with a hole: a segment must be whole to be read.
            out.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    private static boolean allZeros(ByteBuffer block) {
        for (int i = block.position(); i + Long.BYTES <= block.limit(); i += Long.BYTES) {
            if (block.getLong(i) != 0) {
                return false;
            }
        }
        for (int i = block.limit() - block.limit() % Long.BYTES; i < block.limit(); i++) {
            if (block.get(i) != 0) {
                return false;
            }
        }
        return true;
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
