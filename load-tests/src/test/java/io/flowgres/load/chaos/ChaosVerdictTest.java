package io.flowgres.load.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ChaosVerdictTest {

    private static final Phase PHASE = new Phase("healthy", LoadModel.closed(16), Fault.NONE, Duration.ofSeconds(8),
            false);
    private static final ChaosPlan.Group GROUP = new ChaosPlan.Group(PHASE, List.of(1), PHASE.duration());

    @TempDir
    Path directory;

    @Test
    void cleanRunHasNoViolationsAndPasses() {
        PhaseFigures figures = PhaseFigures.of(GROUP, List.of(new Outcome(Outcome.Kind.WRITE, 1, 0, 1, 201, "",
                "a", false, false)), Map.of("a", 1));
        Path file = directory.resolve("verdict-ci.txt");

        ChaosVerdict.write(file, ChaosVerdict.violations(List.of(figures), List.of(), 0));

        assertThatNoException().isThrownBy(() -> ChaosVerdict.main(new String[] {file.toString()}));
    }

    @Test
    void lostWriteFailedReadUndrivenFaultAndDroppedOutcomesEachFailTheRun() throws IOException {
        PhaseFigures figures = PhaseFigures.of(GROUP, List.of(
                new Outcome(Outcome.Kind.WRITE, 1, 0, 1, 201, "", "a", false, false),
                new Outcome(Outcome.Kind.BY_ID, 1, 0, 1, 503, "Database unavailable", "", true, false)), Map.of());
        Path file = directory.resolve("verdict-ci.txt");

        List<String> violations = ChaosVerdict.violations(List.of(figures), List.of("phase 3: boom"), 2);
        ChaosVerdict.write(file, violations);

        assertThat(violations).containsExactly(
                "phase 1 (healthy, closed 16): 1 acknowledged writes lost",
                "phase 1 (healthy, closed 16): 1 failed reads: by id: 503 Database unavailable x 1",
                "fault not driven: phase 3: boom",
                "2 outcomes were not recorded (recorder full)");
        assertThatIllegalStateException().isThrownBy(() -> ChaosVerdict.main(new String[] {file.toString()}))
                .withMessageStartingWith("chaos run failed:");
    }

    @Test
    void missingVerdictFails() {
        Path file = directory.resolve("absent.txt");

        assertThatIllegalStateException().isThrownBy(() -> ChaosVerdict.main(new String[] {file.toString()}))
                .withMessage("the chaos run left no verdict at " + file);
    }
}
