package io.flowgres.web.sample;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.flowgres.Flowgres;
import io.flowgres.cache.CacheKey;
import io.flowgres.cache.QueryCache;
import io.flowgres.query.Query;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.paging.KeysetBrowser;
import io.flowgres.web.paging.Sort;
import io.flowgres.web.paging.SortKey;
import io.flowgres.web.problem.ProblemResponses;
import io.r2dbc.spi.Readable;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An application of its own that depends on the starter alone, as a team embedding Flowgres would
 * write it: its own table (migrated by Boot's Flyway support from {@code db/inventory}), its own
 * routes, its YAML configuration ({@code inventory.yml}); it reads an item through the query cache
 * from a replica, and pages and exports its table with the starter's {@link KeysetBrowser}; it writes and
 * reads through Spring's {@code DatabaseClient} in transactions, with no consistency code of its own.
 */
@SpringBootApplication
public class InventoryApplication {

    static final Sort NEWEST = new Sort("newest", List.of(SortKey.desc("created_at", SortKey.Type.TIMESTAMP),
            SortKey.desc("id", SortKey.Type.LONG)));
    static final Sort NAME = new Sort("name", List.of(SortKey.asc("name", SortKey.Type.TEXT),
            SortKey.asc("id", SortKey.Type.LONG)));
    private static final Query BY_ID = Query.named("items.byId");

    /** An item of the inventory, and whether the node that read it was a replica. */
    record Item(long id, String name, int quantity, OffsetDateTime createdAt, boolean fromReplica) {

        static Item from(Readable row) {
            return new Item(row.get("id", Long.class), row.get("name", String.class),
                    row.get("quantity", Integer.class), row.get("created_at", OffsetDateTime.class),
                    Boolean.TRUE.equals(row.get("from_replica", Boolean.class)));
        }
    }

    /** A stock movement: the body of {@code POST /movements} and of {@code GET /movements/{id}}. */
    record Movement(String note, int quantity) {
    }

    /**
     * The inventory's routes.
     *
     * @param flowgres the starter's facade
     * @param cache the starter's query cache ({@code items.byId} is cached by {@code inventory.yml})
     * @param client the starter's {@code DatabaseClient}, over the routing {@code ConnectionFactory}
     * @param transactions the starter's transaction manager
     * @return the routes
     */
    @Bean
    RouterFunction<ServerResponse> inventoryRoutes(Flowgres flowgres, QueryCache cache, DatabaseClient client,
            ReactiveTransactionManager transactions) {
        TransactionalOperator readWrite = TransactionalOperator.create(transactions);
        DefaultTransactionDefinition readOnlyDefinition = new DefaultTransactionDefinition();
        readOnlyDefinition.setReadOnly(true);
        TransactionalOperator readOnly = TransactionalOperator.create(transactions, readOnlyDefinition);
        CursorCodec cursors = new CursorCodec("inventory-cursor-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8));
        KeysetBrowser<Item> items = KeysetBrowser.builder(flowgres, cursors, "items", "item_read",
                        "id, name, quantity, created_at, from_replica", Item::from)
                .sort(NEWEST).sort(NAME).limits(10, 50).exportLimit(2).build();
        return RouterFunctions.route()
                // Spring's own R2DBC stack on the starter's beans: no Flowgres call, no token handling.
                // In a transaction, or (?autoCommit) a single auto-commit statement: the response carries a
                // consistency token either way.
                .POST("/movements", request -> request.bodyToMono(Movement.class)
                        .flatMap(movement -> {
                            Mono<Long> insert = client.sql("INSERT INTO movement (note, quantity) VALUES (:note, "
                                            + ":quantity) RETURNING id").bind("note", movement.note())
                                    .bind("quantity", movement.quantity())
                                    .map(row -> row.get("id", Long.class)).one();
                            return request.queryParam("autoCommit").isPresent() ? insert
                                    : insert.as(readWrite::transactional);
                        })
                        .flatMap(id -> ServerResponse.created(URI.create("/movements/" + id)).bodyValue(Map.of("id", id))))
                .GET("/movements/{id}", request -> client.sql("SELECT note, quantity, from_replica FROM movement_read "
                                + "WHERE id = :id").bind("id", Long.parseLong(request.pathVariable("id")))
                        .map(row -> new Movement(row.get("note", String.class), row.get("quantity", Integer.class)))
                        .one().as(readOnly::transactional)
                        .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND)))
                        .flatMap(movement -> ServerResponse.ok().bodyValue(movement)))
                .GET("/items", items::page)
                .GET("/items/export", items::export)
                .GET("/items/{id}", request -> {
                    long id = Long.parseLong(request.pathVariable("id"));
                    // The cache hands each fill the token that keeps it off replicas that lack an invalidated write.
                    return cache.get(CacheKey.of(BY_ID.name(), "id", id), Set.of("item:" + id),
                                    fill -> flowgres.read(BY_ID.withConsistency(fill), connection -> Flux.from(
                                                    connection.createStatement("SELECT id, name, quantity, created_at, "
                                                            + "from_replica FROM item_read WHERE id = $1")
                                                            .bind(0, id).execute())
                                            .flatMap(result -> result.map(Item::from))).singleOrEmpty())
                            .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND)))
                            .flatMap(item -> ServerResponse.ok().bodyValue(item));
                })
                .filter(ProblemResponses.filter())
                .build();
    }
}
