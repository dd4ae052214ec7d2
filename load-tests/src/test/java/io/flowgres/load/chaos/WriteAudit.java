package io.flowgres.load.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Flux;

/**
 * Counts, after the run, the rows of every title the run wrote, straight from the database of each
 * node that is a primary at the end (never through Flowgres): the truth that acknowledged, failed
 * and unanswered writes are checked against. Blocking; for the simulation's {@code after()} only.
 */
final class WriteAudit {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private WriteAudit() {
    }

    /** The running nodes that are out of recovery (one, unless two writers were made). */
    static List<LocalNode> primaries(LocalCluster cluster) {
        return cluster.nodes().stream().filter(node -> !node.isReplica() && node.isRunning()).toList();
    }

    /**
     * Rows per title of the given prefix on a node.
     *
     * @param cluster the cluster (database and credentials)
     * @param node the node to read
     * @param prefix the titles' common prefix (no {@code %} or {@code _} in it)
     * @return the count of rows per title present
     */
    static Map<String, Integer> titles(LocalCluster cluster, LocalNode node, String prefix) {
        PostgresqlConnectionFactory factory = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration
                .builder()
                .host(node.host())
                .port(node.port())
                .database(cluster.database())
                .username(cluster.user())
                .password(cluster.password())
                .applicationName("flowgres-chaos-audit")
                .build());
        Map<String, Integer> titles = new HashMap<>();
        Flux.usingWhen(factory.create(),
                        connection -> Flux.from(connection
                                        .createStatement("SELECT title, count(*) FROM pitch WHERE title LIKE $1 "
                                                + "GROUP BY title")
                                        .bind("$1", prefix + "%")
                                        .execute())
                                .flatMap(result -> result.map((row, meta) -> Map.entry(
                                        row.get(0, String.class), row.get(1, Long.class)))),
                        Connection::close)
                .doOnNext(entry -> titles.put(entry.getKey(), entry.getValue().intValue()))
                .blockLast(TIMEOUT);
        return titles;
    }
}
