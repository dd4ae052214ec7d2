package io.flowgres.it;

import java.util.ArrayList;
import java.util.List;

import io.flowgres.local.PostgresCluster;
import io.flowgres.local.PostgresNode;
import io.flowgres.reference.FlowgresApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The reference service started in-process against a local cluster, on a random port, with a small
 * demo dataset. Close it to stop the service; the cluster belongs to the test's extension.
 */
final class ReferenceService implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    private ReferenceService(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static ReferenceService start(PostgresCluster cluster, long pitches, String... extraProperties) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--reference.users=100"));
        args.addAll(clusterArguments(cluster, pitches));
        args.addAll(List.of(extraProperties));
        ConfigurableApplicationContext context = SpringApplication.run(FlowgresApplication.class,
                args.toArray(String[]::new));
        // External clusters are not awaited by the service; the test's data must reach the replicas.
        cluster.awaitReplication(java.time.Duration.ofSeconds(60));
        return new ReferenceService(context);
    }

    /**
     * Starts the service on its own embedded cluster, as the README runs it (no primary URL).
     *
     * @param properties {@code --name=value} arguments, e.g. the embedded cluster's settings
     * @return the running service
     */
    static ReferenceService startEmbedded(String... properties) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--reference.users=100",
                "--flowgres.pool.preset=test", "--reference.cursor-secret=integration-test-cursor-secret"));
        args.addAll(List.of(properties));
        return new ReferenceService(SpringApplication.run(FlowgresApplication.class, args.toArray(String[]::new)));
    }

    /**
     * The arguments that point the service at every node of a local cluster, with the test pool
     * preset, a demo dataset of the given size and a fixed cursor secret.
     *
     * @param cluster the cluster
     * @param pitches how many demo pitches to seed
     * @return {@code --name=value} arguments
     */
    static List<String> clusterArguments(PostgresCluster cluster, long pitches) {
        List<String> args = new ArrayList<>(List.of(
                "--flowgres.primary.url=" + cluster.primary().r2dbcUrl(),
                "--flowgres.username=" + cluster.user(),
                "--flowgres.password=" + cluster.password(),
                "--flowgres.pool.preset=test",
                "--reference.pitches=" + pitches,
                "--reference.cursor-secret=integration-test-cursor-secret"));
        for (int i = 0; i < cluster.replicas().size(); i++) {
            PostgresNode replica = cluster.replicas().get(i);
            args.add("--flowgres.replicas[" + i + "].name=" + replica.name());
            args.add("--flowgres.replicas[" + i + "].url=" + replica.r2dbcUrl());
        }
        return args;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * A client of the service. Every exchange must read or release its body ({@code expectBody(...)},
     * {@code expectBody(Void.class)} when only status and headers matter, or a {@code returnResult}
     * stream read to its end or cancelled): an unread body keeps its Netty buffers, which the leak
     * check reports as a failure.
     *
     * @return the client
     */
    WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    <T> java.util.Collection<T> beans(Class<T> type) {
        return context.getBeansOfType(type).values();
    }

    @Override
    public void close() {
        context.close();
    }
}
