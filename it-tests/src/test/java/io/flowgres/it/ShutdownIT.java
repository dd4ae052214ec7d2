package io.flowgres.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.flowgres.local.LoopbackPorts;
import io.flowgres.local.PostgresCluster;
import io.flowgres.reference.FlowgresApplication;
import io.flowgres.reference.admin.AdminAccess;
import io.flowgres.test.Await;
import io.flowgres.test.FlowgresCluster;
import org.junit.jupiter.api.Test;

/**
 * Graceful shutdown of the reference service running in its own JVM: {@code SIGTERM}
 * ({@link Process#destroy()}) while a streaming read and a transaction run. Within the bound both
 * finish and commit; past the bound the transaction rolls back; either way the process exits in
 * time.
 */
@FlowgresCluster(replicas = 1)
final class ShutdownIT {

    private static final String TOKEN = "shutdown-it-token";
    private static final Duration EXIT_BOUND = Duration.ofSeconds(45);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void runningStreamAndTransactionFinishBeforeTheProcessExits(PostgresCluster cluster) throws Exception {
        int port = LoopbackPorts.free();
        Process app = start(cluster, port, "running", "--spring.lifecycle.timeout-per-shutdown-phase=20s");
        try {
            awaitUp(port, app);
            CompletableFuture<HttpResponse<String>> stream = http.sendAsync(request(port,
                    "/api/admin/diagnostics/stream?rows=15&millisPerRow=200").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> transaction = http.sendAsync(request(port,
                    "/api/admin/diagnostics/transaction?millis=3000&username=shutdown-commit")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            awaitSleepingQueries(cluster, 2);

            long started = System.nanoTime();
            app.destroy();

            HttpResponse<String> streamed = stream.get(30, TimeUnit.SECONDS);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body().lines().filter(line -> line.contains("\"row\"")).count())
                    .as("every row of the stream").isEqualTo(15);
            HttpResponse<String> committed = transaction.get(30, TimeUnit.SECONDS);
            assertThat(committed.statusCode()).isEqualTo(200);
            assertThat(committed.body()).contains("\"committed\":true");
            assertThat(app.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS)).as("exited within the bound").isTrue();
            System.out.printf("Shutdown with a stream and a transaction running took %d ms%n",
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(users(cluster, "shutdown-commit")).isEqualTo(1);
            awaitNoSessionOfTheService(cluster);
        } finally {
            stop(app);
        }
    }

    @Test
    void transactionPastTheBoundRollsBackAndTheProcessStillExits(PostgresCluster cluster) throws Exception {
        int port = LoopbackPorts.free();
        Process app = start(cluster, port, "bounded", "--spring.lifecycle.timeout-per-shutdown-phase=2s",
                "--flowgres.shutdown.timeout=1s");
        try {
            awaitUp(port, app);
            CompletableFuture<HttpResponse<String>> transaction = http.sendAsync(request(port,
                    "/api/admin/diagnostics/transaction?millis=60000&username=shutdown-rollback")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            awaitSleepingQueries(cluster, 1);

            long started = System.nanoTime();
            app.destroy();

            assertThat(app.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS)).as("exited within the bound").isTrue();
            System.out.printf("Shutdown past the bound took %d ms%n", (System.nanoTime() - started) / 1_000_000);
            assertThat(transaction).failsWithin(Duration.ofSeconds(10));
            assertThat(users(cluster, "shutdown-rollback")).as("never committed").isZero();
        } finally {
            stop(app);
            terminateSleepers(cluster);
        }
    }

    private static Process start(PostgresCluster cluster, int port, String name, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), FlowgresApplication.class.getName(),
                "--server.port=" + port,
                "--flowgres.primary.url=" + cluster.primary().r2dbcUrl(),
                "--flowgres.replicas[0].url=" + cluster.replicas().get(0).r2dbcUrl(),
                "--flowgres.username=" + cluster.user(),
                "--flowgres.password=" + cluster.password(),
                "--flowgres.pool.preset=test",
                "--reference.users=10",
                "--reference.pitches=100",
                "--reference.cursor-secret=shutdown-it-cursor-secret",
                "--reference.admin.token=" + TOKEN,
                "--reference.admin.diagnostics-enabled=true"));
        command.addAll(List.of(extra));
        File log = Files.createDirectories(Path.of("target", "shutdown-it")).resolve(name + ".log").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    }

    private void awaitUp(int port, Process app) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(app.isAlive()).as("the service is running (see target/shutdown-it)").isTrue();
            try {
                HttpResponse<String> response = http.send(request(port, "/api/health").GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"status\":\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the service did not come up");
    }

    private static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(90)).header(AdminAccess.HEADER, TOKEN);
    }

    private static void awaitSleepingQueries(PostgresCluster cluster, int count) {
        Await.until(count + " running pg_sleep queries", () -> countUnchecked(cluster,
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep%' "
                        + "AND pid <> pg_backend_pid() AND application_name = ?", "flowgres") >= count,
                Duration.ofSeconds(30));
    }

    private static long users(PostgresCluster cluster, String username) throws SQLException {
        return count(cluster, "SELECT count(*) FROM app_user WHERE username = ?", username);
    }

    private static void awaitNoSessionOfTheService(PostgresCluster cluster) {
        Await.until("pools closed: no session of the service left", () -> countUnchecked(cluster,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()",
                "flowgres") == 0, Duration.ofSeconds(10));
    }

    private static void terminateSleepers(PostgresCluster cluster) throws SQLException {
        // PostgreSQL notices a vanished client only when it next talks to it; end the sleeper now.
        count(cluster, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ? "
                + "AND pid <> pg_backend_pid()", "flowgres");
    }

    private static long countUnchecked(PostgresCluster cluster, String sql, String parameter) {
        try {
            return count(cluster, sql, parameter);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(PostgresCluster cluster, String sql, String parameter) throws SQLException {
        try (Connection connection = DriverManager.getConnection(cluster.primary().jdbcUrl(), cluster.user(),
                cluster.password());
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private static void stop(Process app) throws InterruptedException {
        if (app.isAlive()) {
            app.destroyForcibly();
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

}
