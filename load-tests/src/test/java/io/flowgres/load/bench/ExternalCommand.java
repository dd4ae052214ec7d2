package io.flowgres.load.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Another program the benchmarks drive (pgbench, wrk): run to its end within a bound, its report read back. */
final class ExternalCommand {

    private ExternalCommand() {
    }

    /**
     * Runs the command, its output and errors into a file, and returns that report; a run past the
     * bound is killed.
     *
     * @param builder the command, its directory and environment
     * @param output where its report goes
     * @param bound how long it may run
     * @param name the program's name, for the failures
     * @return what it printed
     * @throws IOException when it cannot be started or its report cannot be read
     * @throws InterruptedException when interrupted while it runs
     * @throws IllegalStateException when it ran past the bound or exited with a failure
     */
    static String run(ProcessBuilder builder, Path output, Duration bound, String name)
            throws IOException, InterruptedException {
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not finish in time");
            }
        } finally {
            process.destroyForcibly();
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed (exit " + process.exitValue() + "): " + text);
        }
        return text;
    }
}
