package io.flowgres.health;

import java.time.Duration;
import java.util.Locale;

import io.flowgres.metrics.PoolUsage;
import io.flowgres.node.Node;
import io.flowgres.node.NodeRole;
import io.flowgres.resilience.SqlStates;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One node's deep check: a single round trip that proves connectivity, times it, and reads the
 * node's WAL position (the primary's current write position, a replica's replay position) so that
 * replica lag can be computed against the primary afterwards. Pool figures, breaker state and
 * in-flight count are read locally.
 */
final class NodeProbe {

    private static final String SQL = "SELECT pg_is_in_recovery() AS recovery, (CASE WHEN pg_is_in_recovery() "
            + "THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn";

    private NodeProbe() {
    }

    /** What one node's check found: its report, and its WAL position when it answered. */
    record Result(NodeReport report, @Nullable Long lsn) {
    }

    static Mono<Result> probe(Node node, Duration timeout) {
        String role = node.role().name().toLowerCase(Locale.ROOT);
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return node.run(connection -> Flux.from(connection.createStatement(SQL).execute())
                            .flatMap(result -> result.map(NodeProbe::position)), timeout)
                    .singleOrEmpty()
                    .map(position -> {
                        double millis = (System.nanoTime() - started) / 1e6;
                        boolean wrongRole = position.recovery() != (node.role() == NodeRole.REPLICA);
                        HealthStatus status = !wrongRole ? HealthStatus.UP
                                : node.role() == NodeRole.PRIMARY ? HealthStatus.DOWN : HealthStatus.DEGRADED;
                        String error = !wrongRole ? null
                                : node.role() == NodeRole.PRIMARY ? "primary is in recovery (read-only)"
                                        : "replica is not in recovery";
                        return new Result(report(node, role, status, millis, error), position.lsn());
                    })
                    .switchIfEmpty(Mono.fromSupplier(() -> new Result(report(node, role, HealthStatus.DOWN, -1,
                            "no answer"), null)))
                    .onErrorResume(error -> Mono.just(new Result(report(node, role, HealthStatus.DOWN, -1,
                            reason(error)), null)));
        });
    }

    /** A report for a node whose check did not finish in time. */
    static NodeReport timedOut(Node node) {
        return report(node, node.role().name().toLowerCase(Locale.ROOT), HealthStatus.DOWN, -1, "timeout");
    }

    private static NodeReport report(Node node, String role, HealthStatus status, double millis,
            @Nullable String error) {
        return new NodeReport(node.name(), role, status, millis, error,
                node.breaker().getState().name().toLowerCase(Locale.ROOT), node.isDrained(), node.inFlight(),
                PoolUsage.of(node), null);
    }

    private static Position position(Readable row) {
        Boolean recovery = row.get("recovery", Boolean.class);
        String lsn = row.get("lsn", String.class);
        return new Position(Boolean.TRUE.equals(recovery), lsn == null ? null : parseLsn(lsn));
    }

    /** Parses a PostgreSQL LSN ({@code 16/B374D848}) into a byte position. */
    static long parseLsn(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("lsn must look like 16/B374D848, was " + lsn);
        }
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    private static String reason(Throwable error) {
        if (error instanceof CallNotPermittedException) {
            return "circuit breaker open";
        }
        if (SqlStates.isTimeout(error)) {
            return "timeout";
        }
        String state = SqlStates.sqlState(error);
        return SqlStates.isConnectionFailure(error) ? "connection failed" : "error " + (state == null ? "" : state);
    }

    private record Position(boolean recovery, @Nullable Long lsn) {
    }
}
