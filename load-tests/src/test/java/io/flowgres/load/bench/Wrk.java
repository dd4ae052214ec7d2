package io.flowgres.load.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code wrk} (Debian's {@code wrk} package) as an HTTP client outside the service's JVM: one C thread
 * and an epoll loop drive thousands of keep-alive connections for a few microseconds of CPU per
 * request, where a JVM client in the service's process takes its share of the same two cores and GC
 * pauses. A closed model, like the others: each connection sends its next {@code GET
 * /api/pitches/{id}} (a uniformly random id) when the last one was answered; in the patient variant,
 * a connection answered {@code 503} waits the one second of {@code Retry-After} first.
 *
 * <p>wrk times every answer alike: its percentiles are of successes and refusals together, and its
 * Lua hooks count them apart. The patient script pairs each answer with the next request of the
 * same connection by order (wrk's {@code response} and {@code delay} hooks name no connection, and a
 * connection's next request follows its answer in the same order on one event loop), so the waits
 * may land on the wrong connection now and then; the number of waits is right.
 */
final class Wrk {

    private static final String REQUEST = """
            request = function()
              return wrk.format("GET", "/api/pitches/" .. math.random(1, %d))
            end
            """;
    // Each wrk thread runs the script in a Lua state of its own, and done() in the main one: the counts
    // are the threads' globals, read through the threads setup() was given.
    private static final String COUNT = """
            ok, refused, other = 0, 0, 0
            local threads = {}
            setup = function(thread) table.insert(threads, thread) end
            function count(status)
              if status == 200 then ok = ok + 1 elseif status == 503 then refused = refused + 1 else other = other + 1 end
            end
            done = function(summary, latency, requests)
              local o, r, x = 0, 0, 0
              for _, thread in ipairs(threads) do
                o = o + thread:get("ok")
                r = r + thread:get("refused")
                x = x + thread:get("other")
              end
              io.write(string.format("counted %d %d %d\\n", o, r, x))
              io.write(string.format("took %d %d\\n", summary.requests, summary.duration))
              io.write(string.format("quantile 0 %d\\n", latency.min))
              for _, q in ipairs(QUANTILES) do
                io.write(string.format("quantile %g %d\\n", q, latency:percentile(q)))
              end
              io.write(string.format("quantile 100 %d\\n", latency.max))
            end
            """;
    /** The percentiles wrk prints of its latency histogram, for {@link Result#replayInto}. */
    private static final String QUANTILE_GRID;

    static {
        StringBuilder grid = new StringBuilder("QUANTILES = {");
        for (int q = 1; q < 99; q++) {
            grid.append(q).append(", ");
        }
        for (int tenth = 990; tenth < 1000; tenth++) {
            grid.append(tenth / 10.0).append(", ");
        }
        grid.append("99.95, 99.99}\n");
        QUANTILE_GRID = grid.toString();
    }
    private static final String SPINNING = "response = function(status, headers, body) count(status) end\n";
    private static final String PATIENT = """
            local statuses, head, tail = {}, 1, 0
            response = function(status, headers, body)
              count(status)
              tail = tail + 1
              statuses[tail] = status
            end
            delay = function()
              if head > tail then return 0 end
              local status = statuses[head]
              statuses[head] = nil
              head = head + 1
              if status == 503 then return 1000 end
              return 0
            end
            """;
    private static final Pattern COUNTED = Pattern.compile("counted (\\d+) (\\d+) (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|90|99)%\\s+([0-9.]+)(us|ms|s)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern MAX = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern TIMEOUTS = Pattern.compile("timeout (\\d+)");
    private static final Pattern TOOK = Pattern.compile("took (\\d+) (\\d+)");
    private static final Pattern QUANTILE = Pattern.compile("^quantile ([0-9.]+) (\\d+)$", Pattern.MULTILINE);

    private final Path executable;
    private final String url;
    private final int maxId;

    private Wrk(Path executable, String url, int maxId) {
        this.executable = executable;
        this.url = url;
        this.maxId = maxId;
    }

    /**
     * The wrk on this machine's {@code PATH}, if any.
     *
     * @param url the service's base URL
     * @param maxId the highest pitch id to ask for
     * @return wrk, or empty when it is not installed ({@code apt-get install wrk})
     */
    static Optional<Wrk> find(String url, int maxId) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(File.pathSeparator)) {
            Path candidate = Path.of(directory, "wrk");
            if (!directory.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(new Wrk(candidate, url, maxId));
            }
        }
        return Optional.empty();
    }

    /**
     * Runs one closed-model load.
     *
     * @param connections the connections, each a client
     * @param duration how long
     * @param patient whether a connection answered 503 waits its {@code Retry-After} (one second)
     * @return what wrk measured
     */
    Result run(int connections, Duration duration, boolean patient) {
        return run(connections, duration, patient, 1);
    }

    /**
     * Runs one closed-model load whose ids come from a seed.
     *
     * @param connections the connections, each a client
     * @param duration how long (whole seconds, at least one)
     * @param patient whether a connection answered 503 waits its {@code Retry-After} (one second)
     * @param seed seeds the ids asked for
     * @return what wrk measured
     */
    Result run(int connections, Duration duration, boolean patient, long seed) {
        try {
            Path script = Files.createTempFile("flowgres-wrk", ".lua");
            Path output = Files.createTempFile("flowgres-wrk", ".txt");
            try {
                Files.writeString(script, "math.randomseed(" + seed + ")\n" + QUANTILE_GRID + REQUEST.formatted(maxId)
                        + COUNT + (patient ? PATIENT : SPINNING), StandardCharsets.UTF_8);
                List<String> command = List.of(executable.toString(), "-t1", "-c" + connections,
                        "-d" + Math.max(1, duration.toSeconds()) + "s", "--latency", "--timeout", "10s", "-s",
                        script.toString(), url);
                return parse(ExternalCommand.run(new ProcessBuilder(command), output, duration.plusSeconds(60), "wrk"),
                        duration);
            } finally {
                Files.deleteIfExists(script);
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + executable, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while wrk ran", e);
        }
    }

    /** Reads wrk's report: its counts (from the script), percentiles of all answers, maximum and timeouts. */
    static Result parse(String text, Duration duration) {
        Matcher counted = COUNTED.matcher(text);
        if (!counted.find()) {
            throw new IllegalStateException("wrk printed no counts: " + text);
        }
        double p50 = Double.NaN;
        double p90 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(text);
        while (percentile.find()) {
            double millis = millis(percentile.group(2), percentile.group(3));
            switch (percentile.group(1)) {
                case "50" -> p50 = millis;
                case "90" -> p90 = millis;
                default -> p99 = millis;
            }
        }
        Matcher max = MAX.matcher(text);
        Matcher timeouts = TIMEOUTS.matcher(text);
        Matcher took = TOOK.matcher(text);
        // wrk's own time of its run (its -d, give or take a tick), else the asked duration.
        double seconds = took.find() ? Long.parseLong(took.group(2)) / 1e6 : duration.toNanos() / 1e9;
        List<double[]> quantiles = new java.util.ArrayList<>();
        Matcher quantile = QUANTILE.matcher(text);
        while (quantile.find()) {
            quantiles.add(new double[] {Double.parseDouble(quantile.group(1)), Long.parseLong(quantile.group(2)) / 1000.0});
        }
        return new Result(Long.parseLong(counted.group(1)), Long.parseLong(counted.group(2)),
                Long.parseLong(counted.group(3)), timeouts.find() ? Long.parseLong(timeouts.group(1)) : 0, seconds,
                p50, p90, p99, max.find() ? millis(max.group(1), max.group(2)) : Double.NaN, quantiles);
    }

    private static double millis(String value, String unit) {
        double number = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> number / 1000;
            case "s" -> number * 1000;
            default -> number;
        };
    }

    /**
     * One load's figures.
     *
     * @param ok answers 200
     * @param refused answers 503
     * @param other any other answer
     * @param timeouts requests unanswered within wrk's 10 s
     * @param seconds how long the load ran
     * @param p50 median of all answers, ms
     * @param p90 90th percentile of all answers, ms
     * @param p99 99th percentile of all answers, ms
     * @param max the slowest answer, ms
     * @param quantiles wrk's latency histogram as percentiles: pairs of (percentile, ms), from 0 (the
     *        fastest) to 100 (the slowest)
     */
    record Result(long ok, long refused, long other, long timeouts, double seconds, double p50, double p90, double p99,
            double max, List<double[]> quantiles) {

        /** Successes per second. */
        double throughput() {
            return ok / seconds;
        }

        /**
         * Puts this load into a recorder as if its requests had been timed one by one: one latency per
         * success, read off wrk's percentiles at evenly spaced ranks (linear between two printed
         * percentiles, so a recorder's p50 and p99 are wrk's own), and a failure per refusal, other
         * answer and timeout. wrk keeps a histogram, not each request's time.
         *
         * @param recorder where the requests go
         */
        void replayInto(LatencyRecorder recorder) {
            if (quantiles.size() < 2) {
                throw new IllegalStateException("wrk printed no latency percentiles");
            }
            int at = 0;
            for (long i = 0; i < ok; i++) {
                double rank = 100.0 * (i + 0.5) / ok;
                while (at < quantiles.size() - 2 && quantiles.get(at + 1)[0] < rank) {
                    at++;
                }
                double[] low = quantiles.get(at);
                double[] high = quantiles.get(at + 1);
                double share = high[0] == low[0] ? 0 : Math.min(1, Math.max(0, (rank - low[0]) / (high[0] - low[0])));
                recorder.record(Math.round((low[1] + share * (high[1] - low[1])) * 1_000_000));
            }
            for (long i = refused + other + timeouts; i > 0; i--) {
                recorder.fail();
            }
        }

        @Override
        public String toString() {
            return String.format("ok %,9d (%,8.1f/s), refused %,9d, other %,d, timeouts %,d; all answers p50 %7.2f ms, "
                    + "p90 %7.2f ms, p99 %7.2f ms, max %7.2f ms", ok, throughput(), refused, other, timeouts, p50, p90,
                    p99, max);
        }
    }
}
