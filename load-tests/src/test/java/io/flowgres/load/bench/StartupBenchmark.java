package io.flowgres.load.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowgres.local.LoopbackPorts;
import io.flowgres.load.ServiceArguments;

/**
 * How long the reference service takes from launch to ready, started as a user starts it (the
 * README's command, from the repository root: its embedded primary and two streaming replicas,
 * 100,000 seeded pitches): each round launches the service in a fresh JVM on a free port, polls
 * {@code /actuator/health/readiness} every 50 ms until it answers 200, then stops the service
 * (SIGTERM, which stops its cluster) and waits for it to exit. With a second command
 * ({@code -Dbench.baselineCommand}, e.g. {@code java -jar <an earlier build's exec jar>}) the two are
 * launched alternately, round after round, so that drift of the shared machine hits both alike, and
 * the ratio of their medians is printed. Also read from each service's log: the embedded cluster's
 * start, the seed and the read paths' warm-up. Each launch's log goes to {@code load-tests/target/startup/}.
 *
 * <p>Run: {@code ./mvnw -B -pl load-tests -am verify -Pbench-startup -DskipTests}; knobs
 * {@code -Dbench.rounds} (default 5), {@code -Dbench.serviceCommand} (default: the README's,
 * {@code java -XX:SharedArchiveFile=web/service/target/app/flowgres-reference-service.jsa -jar
 * web/service/target/app/flowgres-reference-service.jar}), {@code -Dbench.baselineCommand}, both
 * space-separated and run in the repository root, a leading {@code java} being this JVM's;
 * {@code -Dbench.serviceArgs} (extra {@code --name=value} arguments for every launch).
 */
public final class StartupBenchmark {

    private static final Duration READY_WITHIN = Duration.ofMinutes(3);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Map<String, Pattern> PHASES = phases();
    /** The README's command to run the service, from the repository root. */
    private static final String README_COMMAND = "java -XX:SharedArchiveFile=web/service/target/app/"
            + "flowgres-reference-service.jsa -jar web/service/target/app/flowgres-reference-service.jar";

    private StartupBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args unused
     * @throws Exception when a launch fails or is interrupted
     */
    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 5);
        Path root = Path.of(System.getProperty("bench.root", "..")).toAbsolutePath().normalize();
        List<String> extra = ServiceArguments.fromProperty("bench.serviceArgs");
        Map<String, List<String>> commands = new LinkedHashMap<>();
        String baseline = System.getProperty("bench.baselineCommand", "");
        if (!baseline.isBlank()) {
            commands.put("baseline", ServiceArguments.words(baseline));
        }
        commands.put("service", ServiceArguments.words(System.getProperty("bench.serviceCommand", README_COMMAND)));
        Path logs = Files.createDirectories(Path.of(System.getProperty("bench.startupLogs", "target/startup")));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Map<String, List<Launch>> launches = new LinkedHashMap<>();
        commands.keySet().forEach(name -> launches.put(name, new ArrayList<>()));
        for (Map.Entry<String, List<String>> command : commands.entrySet()) {
            System.out.println(command.getKey() + ": " + String.join(" ", command.getValue()) + " (in " + root + ")");
        }
        for (int round = 1; round <= rounds; round++) {
            for (Map.Entry<String, List<String>> command : commands.entrySet()) {
                Launch launch = launch(command.getValue(), extra, root,
                        logs.resolve(command.getKey() + "-" + round + ".log"), http);
                launches.get(command.getKey()).add(launch);
                System.out.printf("round %d %-8s ready in %,6d ms  %s%n", round, command.getKey(),
                        launch.readyMillis(), launch.phases());
            }
        }
        System.out.println();
        System.out.println("| command | launches | ready, median | min | max | " + String.join(" | ", PHASES.keySet())
                + " (medians) |");
        System.out.println("|---|---|---|---|---|" + "---|".repeat(PHASES.size()));
        for (Map.Entry<String, List<Launch>> each : launches.entrySet()) {
            List<Long> ready = each.getValue().stream().map(Launch::readyMillis).sorted().toList();
            StringBuilder row = new StringBuilder("| " + each.getKey() + " | " + ready.size() + " | "
                    + String.format("%,d ms", median(ready)) + " | " + String.format("%,d ms", ready.get(0)) + " | "
                    + String.format("%,d ms", ready.get(ready.size() - 1)) + " |");
            for (String phase : PHASES.keySet()) {
                List<Long> values = each.getValue().stream().map(launch -> launch.phases().get(phase))
                        .filter(value -> value != null).sorted().toList();
                row.append(values.isEmpty() ? " - |" : String.format(" %,d ms |", median(values)));
            }
            System.out.println(row);
        }
        if (launches.containsKey("baseline")) {
            double ratio = (double) median(launches.get("service").stream().map(Launch::readyMillis).sorted().toList())
                    / median(launches.get("baseline").stream().map(Launch::readyMillis).sorted().toList());
            System.out.printf("%nservice / baseline, median time to ready: %.2fx%n", ratio);
        }
    }

    private static Launch launch(List<String> command, List<String> extra, Path root, Path log, HttpClient http)
            throws Exception {
        int port = LoopbackPorts.free();
        List<String> full = new ArrayList<>(command);
        if (full.get(0).equals("java")) {
            full.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        full.add("--server.port=" + port);
        full.addAll(extra);
        HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/health/readiness")).timeout(Duration.ofSeconds(1)).build();
        long started = System.nanoTime();
        Process process = new ProcessBuilder(full).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            long deadline = started + READY_WITHIN.toNanos();
            while (!ready(http, readiness)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the service exited with " + process.exitValue() + "; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not ready within " + READY_WITHIN + "; see " + log);
                }
                Thread.sleep(POLL.toMillis());
            }
            long readyMillis = (System.nanoTime() - started) / 1_000_000;
            return new Launch(readyMillis, phasesOf(Files.readString(log)));
        } finally {
            stop(process, log);
        }
    }

    private static boolean ready(HttpClient http, HttpRequest readiness) throws InterruptedException {
        try {
            return http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false;
        }
    }

    /** SIGTERM, as a user's Ctrl-C: the service shuts down gracefully and stops its cluster. */
    private static void stop(Process process, Path log) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the service did not stop within 90 s; see " + log);
        }
    }

    private static Map<String, Long> phasesOf(String log) {
        Map<String, Long> found = new LinkedHashMap<>();
        PHASES.forEach((name, pattern) -> {
            Matcher matcher = pattern.matcher(log);
            if (matcher.find()) {
                found.put(name, Long.parseLong(matcher.group(1)));
            }
        });
        return found;
    }

    private static Map<String, Pattern> phases() {
        Map<String, Pattern> phases = new LinkedHashMap<>();
        phases.put("cluster up", Pattern.compile("Local PostgreSQL cluster up in (\\d+) ms"));
        phases.put("seed", Pattern.compile("Seeded \\d+ users and \\d+ pitches in (\\d+) ms"));
        phases.put("warm-up", Pattern.compile("read paths warmed up in (\\d+) ms"));
        return phases;
    }

    private static long median(List<Long> sorted) {
        return sorted.get(sorted.size() / 2);
    }

    /** One launch: milliseconds from {@code java -jar} to readiness 200, and the phases its log reports. */
    private record Launch(long readyMillis, Map<String, Long> phases) {
    }
}
