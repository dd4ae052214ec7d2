package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import io.flowgres.Flowgres;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.flowgres.query.Query;
import io.flowgres.test.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;

/**
 * The embedded cluster begun before the context ({@link EmbeddedClusterLauncher}), on real PostgreSQL:
 * the context takes that very cluster, Flowgres talks to it, and it stops with the context; one the
 * context ends up not wanting is stopped, not leaked; the snapshot settings reach it; with Flowgres off
 * none is started.
 */
final class EmbeddedClusterLauncherIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theClusterBegunBeforeTheContextIsTheOneItUsesAndStopsWithIt() {
        LocalCluster cluster;
        try (ConfigurableApplicationContext context = application()
                .run("--flowgres.embedded.enabled=true", "--flowgres.embedded.replicas=1")) {
            EmbeddedClusterStart start = context.getBean(EmbeddedClusterStart.class);
            cluster = context.getBean(LocalCluster.class);
            assertThat(start.state()).isEqualTo(EmbeddedClusterStart.State.CLAIMED);
            assertThat(cluster).isSameAs(start.awaitCluster());
            assertThat(cluster.replicas()).hasSize(1);
            Integer port = sql(context, "SELECT current_setting('port')::int").blockLast(WAIT);
            assertThat(port).as("Flowgres writes to the early cluster's primary").isEqualTo(cluster.primary().port());
        }
        assertThat(cluster.nodes()).as("stopped with the context").noneMatch(LocalNode::isRunning);
    }

    @Test
    void aClusterTheContextDoesNotTakeIsStopped() {
        // An initializer points the application at another primary after the environment was prepared,
        // as a test's dynamic properties do: the cluster begun by then must not outlive the start-up.
        try (ConfigurableApplicationContext context = application()
                .initializers(initializing -> TestPropertyValues.of(
                        "flowgres.primary.url=r2dbc:postgresql://127.0.0.1:1/elsewhere", "flowgres.username=nobody",
                        "flowgres.password=none").applyTo(initializing))
                .run("--flowgres.embedded.enabled=true", "--flowgres.embedded.replicas=0")) {
            assertThat(context.getBeansOfType(LocalCluster.class)).isEmpty();
            EmbeddedClusterStart start = context.getBean(EmbeddedClusterStart.class);
            assertThat(start.state()).isEqualTo(EmbeddedClusterStart.State.STOPPED);
            LocalCluster orphan = start.awaitCluster();
            Await.until("the unused cluster to stop", () -> orphan.nodes().stream().noneMatch(LocalNode::isRunning),
                    WAIT);
        }
    }

    @Test
    void theSnapshotPropertiesStartTheClusterFromTheDataAnEarlierRunSaved(@TempDir Path snapshots) {
        String[] arguments = {"--flowgres.embedded.enabled=true", "--flowgres.embedded.replicas=1",
            "--flowgres.embedded.snapshot.directory=" + snapshots.resolve("demo"),
            "--flowgres.embedded.snapshot.label=demo-1"};
        try (ConfigurableApplicationContext context = application().run(arguments)) {
            LocalCluster cluster = context.getBean(LocalCluster.class);
            assertThat(cluster.startedFromSnapshot()).isFalse();
            sql(context, "CREATE TABLE prepared AS SELECT 42 AS answer").blockLast(WAIT);
            cluster.saveSnapshot();
        }
        try (ConfigurableApplicationContext context = application().run(arguments)) {
            EmbeddedClusterStart start = context.getBean(EmbeddedClusterStart.class);
            LocalCluster cluster = context.getBean(LocalCluster.class);
            assertThat(cluster).as("the early start used the snapshot settings").isSameAs(start.awaitCluster());
            assertThat(cluster.startedFromSnapshot()).isTrue();
            assertThat(sql(context, "SELECT answer FROM prepared").blockLast(WAIT)).isEqualTo(42);
        }
        // An empty directory turns snapshots off, as on a command line that overrides a default.
        try (ConfigurableApplicationContext context = application().run(arguments[0], arguments[1], arguments[3],
                "--flowgres.embedded.snapshot.directory=")) {
            LocalCluster cluster = context.getBean(LocalCluster.class);
            assertThat(cluster.startedFromSnapshot()).isFalse();
            assertThat(cluster.snapshotDirectory()).isEmpty();
        }
    }

    @Test
    void nothingIsBegunWithFlowgresOff() {
        try (ConfigurableApplicationContext context = application()
                .run("--flowgres.enabled=false", "--flowgres.embedded.enabled=true")) {
            assertThat(context.getBeansOfType(EmbeddedClusterStart.class)).isEmpty();
            assertThat(context.getBeansOfType(LocalCluster.class)).isEmpty();
        }
    }

    private static Flux<Integer> sql(ConfigurableApplicationContext context, String sql) {
        return context.getBean(Flowgres.class).write(Query.named("embedded.sql"), connection -> Flux.from(connection
                .createStatement(sql).execute()).flatMap(result -> result.map(row -> row.get(0, Integer.class))));
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "spring.flyway.enabled=false");
    }

    /** The smallest application on the starter. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
    }
}
