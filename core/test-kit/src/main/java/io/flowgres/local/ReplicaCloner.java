package io.flowgres.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Makes a replica's data directory from the running primary: with {@code pg_basebackup} when the
 * installation has it, else by a file-level copy between {@code pg_backup_start()} and
 * {@code pg_backup_stop()} (the embedded-binaries artifact ships no {@code pg_basebackup}). Either
 * way the WAL the replica needs is kept for it by a physical replication slot made first.
 */
final class ReplicaCloner {

    /** What a file-level copy leaves out, as pg_basebackup does. */
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "pg_wal", "pg_replslot",
            "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");

    private ReplicaCloner() {
    }

    static void cloneInto(LocalCluster cluster, LocalNode primary, String slot, Path target) {
        PostgresqlConnectionFactory admin = primary.sql("postgres");
        BlockingSql.execute(admin, "SELECT pg_create_physical_replication_slot('" + slot + "', true)");
        if (cluster.binaries().hasBaseBackup()) {
            cluster.runner().runOrFail(List.of(cluster.binaries().program("pg_basebackup").toString(),
                    "-d", "host=" + LocalNode.HOST + " port=" + primary.port() + " user=" + cluster.user()
                            + " password=" + cluster.password(),
                    "-D", target.toString(), "-X", "stream", "-S", slot, "--checkpoint=fast", "--no-sync"),
                    Map.of(), Duration.ofMinutes(5));
            return;
        }
        copyFiles(cluster, admin, primary.dataDirectory(), target);
    }

    private static void copyFiles(LocalCluster cluster, PostgresqlConnectionFactory admin, Path source, Path target) {
        String label = BlockingSql.session(admin, connection -> BlockingSql
                .strings(connection, "SELECT pg_backup_start('flowgres-replica', true)::text")
                .then(Mono.fromRunnable(() -> FileTrees.copy(source, target,
                                relative -> SKIPPED.contains(relative.getName(0).toString()), true))
                        .subscribeOn(Schedulers.boundedElastic()))
                .then(BlockingSql.strings(connection, "SELECT labelfile FROM pg_backup_stop(true)").next()));
        try {
            for (String directory : List.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify",
                    "pg_serial", "pg_snapshots", "pg_subtrans")) {
                Files.createDirectories(target.resolve(directory));
            }
            Files.writeString(target.resolve("backup_label"), label, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot finish the copy of the primary: " + e.getMessage(), e);
        }
        cluster.runner().handOver(target);
    }
}
