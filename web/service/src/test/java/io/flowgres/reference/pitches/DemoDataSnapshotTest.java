package io.flowgres.reference.pitches;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

/**
 * The demo data's snapshot settings: a label that changes with whatever changes the data, and defaults
 * that never override the application's own settings.
 */
final class DemoDataSnapshotTest {

    @Test
    void theLabelFollowsTheSeedSettings() {
        String label = DemoDataSnapshot.label(1000, 100_000);
        assertThat(label).matches("demo-[0-9a-f]{16}").isEqualTo(DemoDataSnapshot.label(1000, 100_000));
        assertThat(DemoDataSnapshot.label(1000, 100_001)).isNotEqualTo(label);
        assertThat(DemoDataSnapshot.label(999, 100_000)).isNotEqualTo(label);
    }

    @Test
    void theLabelIsDerivedFromTheConfiguredCountsAndNoDirectoryIsSetOutsideAJar() {
        MockEnvironment environment = new MockEnvironment().withProperty("reference.pitches", "500")
                .withProperty("reference.users", "10");
        new DemoDataSnapshot().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(DemoDataSnapshot.LABEL)).isEqualTo(DemoDataSnapshot.label(10, 500));
        // Tests run from classes: every start seeds afresh.
        assertThat(environment.containsProperty(DemoDataSnapshot.DIRECTORY)).isFalse();
    }

    @Test
    void theApplicationsOwnSettingsWin() {
        MockEnvironment environment = new MockEnvironment().withProperty(DemoDataSnapshot.LABEL, "mine")
                .withProperty(DemoDataSnapshot.DIRECTORY, "");
        new DemoDataSnapshot().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(DemoDataSnapshot.LABEL)).isEqualTo("mine");
        assertThat(environment.getProperty(DemoDataSnapshot.DIRECTORY)).isEmpty();
    }

    @Test
    void aCountThatIsNotANumberLeavesTheReportToTheBinding() {
        MockEnvironment environment = new MockEnvironment().withProperty("reference.pitches", "many");
        new DemoDataSnapshot().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.containsProperty(DemoDataSnapshot.LABEL)).isFalse();
    }
}
