package io.flowgres.load.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pass or fail of a chaos run: any acknowledged write lost, any write duplicated, any failed read
 * (a stale read of one's own write included), any fault that could not be driven, or any outcome not
 * recorded fails it. The simulation writes the verdict file after its run; {@link #main} reads it in
 * a later build step and fails the build, so that Gatling still writes its report first.
 */
public final class ChaosVerdict {

    private static final String PASSED = "passed";

    private ChaosVerdict() {
    }

    /**
     * The violations of a run, one line each; none when it passed.
     *
     * @param figures the phases' figures
     * @param faultErrors faults that could not be driven
     * @param dropped outcomes not recorded
     * @return the violations
     */
    static List<String> violations(List<PhaseFigures> figures, List<String> faultErrors, long dropped) {
        List<String> violations = new ArrayList<>();
        for (PhaseFigures phase : figures) {
            String where = "phase " + phase.group().label() + " (" + phase.name() + "): ";
            if (phase.lost() > 0) {
                violations.add(where + phase.lost() + " acknowledged writes lost");
            }
            if (phase.duplicated() > 0) {
                violations.add(where + phase.duplicated() + " writes duplicated");
            }
            if (phase.failedReadCount() > 0) {
                violations.add(where + phase.failedReadCount() + " failed reads: "
                        + PhaseFigures.counts(phase.failedReads()));
            }
        }
        faultErrors.forEach(error -> violations.add("fault not driven: " + error));
        if (dropped > 0) {
            violations.add(dropped + " outcomes were not recorded (recorder full)");
        }
        return violations;
    }

    /**
     * Writes the verdict file.
     *
     * @param file where
     * @param violations the violations; none means the run passed
     */
    static void write(Path file, List<String> violations) {
        List<String> lines = violations.isEmpty() ? List.of(PASSED) : violations;
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Fails when the verdict file of the last chaos run is missing or lists violations.
     *
     * @param args the verdict file's path
     * @throws IllegalStateException when the run failed or left no verdict
     * @throws IOException when the file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ChaosVerdict <verdict file>, was " + List.of(args));
        }
        Path file = Path.of(args[0]);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the chaos run left no verdict at " + file);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (!lines.equals(List.of(PASSED))) {
            throw new IllegalStateException("chaos run failed:\n  " + String.join("\n  ", lines));
        }
        System.out.println("Chaos run passed: no acknowledged write lost or duplicated, no failed read.");
    }
}
