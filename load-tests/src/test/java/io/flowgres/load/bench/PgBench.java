package io.flowgres.load.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.flowgres.load.bench.plain.PlainPitch;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;

/**
 * PostgreSQL's own {@code pgbench} as a contender: the same point read by primary key as a prepared
 * statement ({@code -M prepared}, a custom script with a uniformly random id), from a fixed number
 * of clients each sending its next query when the last answered (a closed model, like the others),
 * against one node over TCP with the cluster's user and password. Latencies come from pgbench's
 * per-transaction log, throughput from its {@code tps} without connection time. The clients are C
 * processes' threads talking the wire protocol: the limit a JVM client can approach.
 */
final class PgBench implements InterleavedRounds.Contender {

    /**
     * Added to pgbench's {@code --time}, which counts from before its clients connect (SCRAM and a new
     * backend each, about 1.5 s for 32 clients on a busy 2-core machine); the connection time is then
     * excluded from its throughput, so the measured window is about the others'.
     */
    private static final Duration CONNECT_ALLOWANCE = Duration.ofSeconds(2);
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

    private final Path executable;
    private final LocalCluster cluster;
    private final LocalNode node;
    private final int clients;
    private final Path workDirectory;

    private PgBench(Path executable, LocalCluster cluster, LocalNode node, int clients, Path workDirectory) {
        this.executable = executable;
        this.cluster = cluster;
        this.node = node;
        this.clients = clients;
        this.workDirectory = workDirectory;
    }

    /**
     * Prepares pgbench against a node, writing its script into a fresh temporary directory.
     *
     * @param executable the pgbench binary
     * @param cluster the cluster, for database, user and password
     * @param node the node to read from
     * @param clients the number of clients ({@code -c})
     * @param maxId the highest id in the table
     * @return the contender; {@link #close()} it to delete its files
     */
    static PgBench prepare(Path executable, LocalCluster cluster, LocalNode node, int clients, long maxId) {
        try {
            Path directory = Files.createTempDirectory("flowgres-pgbench");
            Files.writeString(directory.resolve("point-read.sql"), "\\set id random(1, " + maxId + ")\n"
                    + "SELECT " + PlainPitch.COLUMNS + " FROM pitch WHERE id = :id;\n", StandardCharsets.UTF_8);
            return new PgBench(executable, cluster, node, clients, directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the pgbench script", e);
        }
    }

    @Override
    public String name() {
        return "pgbench";
    }

    @Override
    public boolean inJvm() {
        return false;
    }

    /** The command line of one run, for the report (without the password, which goes by environment). */
    String commandLine(Duration duration) {
        return String.join(" ", command(duration, workDirectory.resolve("log")));
    }

    @Override
    public double run(Duration duration, long seed, LatencyRecorder recorder) {
        Path logPrefix = workDirectory.resolve("log-" + (seed < 0 ? "warmup" : "round-" + seed));
        List<String> command = new ArrayList<>(command(duration, logPrefix));
        // pgbench draws its own ids; seed it too, so its rounds differ from each other as the others' do.
        command.add(1, "--random-seed=" + (seed < 0 ? 7 : seed + 1));
        Path outputFile = workDirectory.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile());
        builder.environment().put("PGPASSWORD", cluster.password());
        try {
            String text = ExternalCommand.run(builder, outputFile, duration.plus(CONNECT_ALLOWANCE).plusSeconds(60),
                    "pgbench");
            long processed = Long.parseLong(find(PROCESSED, text));
            if (processed == 0) {
                throw new IllegalStateException("pgbench answered nothing in " + duration.plus(CONNECT_ALLOWANCE)
                        .toSeconds() + " s (are its connections that slow?): " + text);
            }
            double tps = Double.parseDouble(find(TPS, text));
            Matcher failed = FAILED.matcher(text);
            if (failed.find()) {
                for (long i = Long.parseLong(failed.group(1)); i > 0; i--) {
                    recorder.fail();
                }
            }
            readLatencies(logPrefix, recorder);
            return processed / tps;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + executable, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pgbench ran", e);
        }
    }

    private List<String> command(Duration duration, Path logPrefix) {
        return List.of(executable.toString(), "--no-vacuum", "--protocol=prepared", "--client=" + clients,
                "--jobs=" + Math.min(clients, Runtime.getRuntime().availableProcessors()),
                "--time=" + Math.max(1, duration.plus(CONNECT_ALLOWANCE).toSeconds()), "--file=point-read.sql", "--log",
                "--log-prefix=" + logPrefix, "--host=" + node.host(), "--port=" + node.port(),
                "--username=" + cluster.user(), cluster.database());
    }

    /** Reads the per-transaction log files of one run, then deletes them. */
    private static void readLatencies(Path logPrefix, LatencyRecorder recorder) throws IOException {
        String prefix = logPrefix.getFileName().toString() + ".";
        List<Path> logs;
        try (Stream<Path> files = Files.list(logPrefix.getParent())) {
            logs = files.filter(file -> file.getFileName().toString().startsWith(prefix)).toList();
        }
        for (Path log : logs) {
            try (Stream<String> lines = Files.lines(log)) {
                lines.forEach(line -> {
                    long micros = latencyMicros(line);
                    if (micros >= 0) {
                        recorder.record(micros * 1_000);
                    }
                });
            }
            Files.delete(log);
        }
    }

    /**
     * The latency of one line of pgbench's per-transaction log, its third field. Hundreds of thousands
     * of lines a round: parsed in place rather than split, so as to leave little garbage for the next
     * contender's round to collect.
     *
     * @param line {@code client_id transaction_no time_us script_no epoch epoch_us [lag]}
     * @return the latency in microseconds, or -1 for a line without one (a failed transaction)
     */
    static long latencyMicros(String line) {
        int first = line.indexOf(' ');
        int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
        int third = second < 0 ? -1 : line.indexOf(' ', second + 1);
        if (third < 0) {
            third = line.length();
        }
        if (second < 0 || third <= second + 1) {
            return -1;
        }
        for (int i = second + 1; i < third; i++) {
            if (!Character.isDigit(line.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(line, second + 1, third, 10);
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new IllegalStateException("unexpected pgbench output: " + text);
        }
        return matcher.group(1);
    }

    /** Deletes the script and any log left behind. */
    void close() {
        try (Stream<Path> files = Files.list(workDirectory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
            Files.delete(workDirectory);
        } catch (IOException e) {
            System.out.println("could not delete " + workDirectory + ": " + e);
        }
    }
}
