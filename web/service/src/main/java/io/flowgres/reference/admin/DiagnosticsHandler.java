package io.flowgres.reference.admin;

import java.time.OffsetDateTime;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.query.Query;
import io.flowgres.routing.Route;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;

/**
 * Diagnostic routes for drills and tests ({@code reference.admin.diagnostics-enabled=true}, admin
 * token required): a slow query, a slow transaction that writes a marker row, and a slow streaming
 * read. Every value is a bound parameter.
 */
final class DiagnosticsHandler {

    private static final Query SLEEP = Query.named("diagnostics.sleep").withRoute(Route.PRIMARY);
    private static final Query TRANSACTION = Query.named("diagnostics.transaction");
    private static final Query STREAM = Query.named("diagnostics.stream").withRoute(Route.PRIMARY);

    private final Flowgres flowgres;

    DiagnosticsHandler(Flowgres flowgres) {
        this.flowgres = flowgres;
    }

    /** {@code GET /api/admin/diagnostics/sleep?millis=300&label=x}: one slow query. */
    reactor.core.publisher.Mono<ServerResponse> sleep(ServerRequest request) {
        int millis = AdminHandler.intParam(request, "millis", 300, 0, 60_000);
        String label = request.queryParam("label").orElse("");
        return flowgres.read(SLEEP, connection -> Flux.from(connection
                                .createStatement("SELECT pg_sleep($1::float8 / 1000), $2::text AS label")
                                .bind("$1", millis).bind("$2", label).execute())
                        .flatMap(result -> result.map(row -> row.get("label", String.class))))
                .then(ServerResponse.ok().bodyValue(Map.of("sleptMillis", millis)));
    }

    /**
     * {@code POST /api/admin/diagnostics/transaction?millis=3000&username=x}: inserts a user named
     * {@code username}, sleeps, commits.
     */
    reactor.core.publisher.Mono<ServerResponse> transaction(ServerRequest request) {
        int millis = AdminHandler.intParam(request, "millis", 3000, 0, 60_000);
        String username = request.queryParam("username").orElse("diagnostics");
        return flowgres.transaction(TRANSACTION, connection -> Flux.from(connection
                                .createStatement("INSERT INTO app_user (username, display_name, created_at) "
                                        + "VALUES ($1, $2, $3) RETURNING id")
                                .bind("$1", username).bind("$2", "Diagnostics").bind("$3", OffsetDateTime.now())
                                .execute())
                        .flatMap(result -> result.map(row -> row.get(0, Long.class)))
                        .concatWith(Flux.from(connection.createStatement("SELECT pg_sleep($1::float8 / 1000)")
                                        .bind("$1", millis).execute())
                                .flatMap(result -> result.map(row -> 0L))
                                .thenMany(Flux.<Long>empty())))
                .single()
                .flatMap(id -> ServerResponse.ok().bodyValue(Map.of("id", id, "committed", true)));
    }

    /** {@code GET /api/admin/diagnostics/stream?rows=20&millisPerRow=200}: rows streamed slowly. */
    reactor.core.publisher.Mono<ServerResponse> stream(ServerRequest request) {
        int rows = AdminHandler.intParam(request, "rows", 20, 1, 100_000);
        int millisPerRow = AdminHandler.intParam(request, "millisPerRow", 200, 0, 10_000);
        Flux<Map<String, Integer>> body = flowgres.read(STREAM, connection -> Flux.from(connection
                        .createStatement("SELECT g, pg_sleep($2::float8 / 1000) FROM generate_series(1, $1) AS g")
                        .bind("$1", rows).bind("$2", millisPerRow).execute())
                .flatMap(result -> result.map(row -> Map.of("row", row.get("g", Integer.class)))));
        return ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON).body(body, Map.class);
    }
}
