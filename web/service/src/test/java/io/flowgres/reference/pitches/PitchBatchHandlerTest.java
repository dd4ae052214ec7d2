package io.flowgres.reference.pitches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.flowgres.Flowgres;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.reference.ReferenceProperties;
import io.flowgres.web.autoconfigure.InvalidFlowgresPropertyException;
import io.flowgres.web.paging.ExportLimiter;
import io.flowgres.web.routing.ConsistencyHeader;
import io.flowgres.web.routing.ConsistencyTokenSigner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The input rules of {@code POST /api/pitches/batch}, through the demo's real routes: everything here
 * is refused before the database is reached, so the facade points at a port where nothing listens and
 * never connects. Inserts, rollback and the consistency header are {@code BatchInsertIT}'s.
 */
final class PitchBatchHandlerTest {

    private static final int LIMIT = 3;
    private static final String GOOD = "{\"ownerId\":1,\"title\":\"T\",\"logline\":\"L\",\"genre\":\"drama\","
            + "\"format\":\"short\",\"productionStage\":\"idea\"}";

    private final Flowgres flowgres = Flowgres.builder(ClusterConfig.builder()
            .primary("r2dbc:postgresql://127.0.0.1:1/app").credentials("app", "unused").build()).probing(false).build();
    private final PitchStore pitches = TestStores.pitches(flowgres,
            new CursorCodec("unit-test-secret".getBytes(StandardCharsets.UTF_8)));
    private final ConsistencyHeader consistency = new ConsistencyHeader(
            new ConsistencyTokenSigner("unit-test-secret".getBytes(StandardCharsets.UTF_8)));

    @AfterEach
    void close() {
        flowgres.close();
    }

    @Test
    void everyItemIsCheckedWithTheSingleCreateRulesAndNamedByIndex() {
        expectBadRequest(LIMIT, "[" + GOOD + "," + GOOD + "," + GOOD.replace("drama", "western") + "]",
                "items[2].genre", "items[2].genre must be one of drama, comedy");
        expectBadRequest(LIMIT, "[" + GOOD + "," + GOOD.replace("\"ownerId\":1,", "") + "]",
                "items[1].ownerId", "items[1].ownerId must be a positive integer");
        expectBadRequest(LIMIT, "[" + GOOD.replace("\"T\"", "\" \"") + "]", "items[0].title",
                "items[0].title is required");
        expectBadRequest(LIMIT, "[" + GOOD.replace("\"L\"", "\"" + "x".repeat(1001) + "\"") + "]",
                "items[0].logline", "items[0].logline must be at most 1000 characters, was 1001");
        expectBadRequest(LIMIT, "[" + GOOD + ",null]", "items[1]", "items[1] must be a pitch, was null");
    }

    @Test
    void emptyAndTooLongArraysAreBadRequestsNamingItemsAndTheLimit() {
        expectBadRequest(LIMIT, "[]", "items", "items must hold at least one pitch");
        expectBadRequest(LIMIT, "[" + String.join(",", List.of(GOOD, GOOD, GOOD, GOOD)) + "]", "items",
                "items must hold at most 3 pitches, was 4");
        expectBadRequest(LIMIT, "null", "body", "a JSON array of pitches is required");
    }

    @Test
    void malformedOrMisshapenJsonIsABadRequest() {
        for (String body : List.of("", "[" + GOOD + ",", "not json", GOOD, "[{\"ownerId\":\"abc\"}]", "[1,2]")) {
            client(LIMIT).post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                    .exchange().expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.detail").isEqualTo("The request body is not valid JSON of the "
                            + "expected shape.");
        }
    }

    @Test
    void aBodyWithoutJsonContentTypeIsUnsupported() {
        client(LIMIT).post().uri("/api/pitches/batch").contentType(MediaType.TEXT_PLAIN).bodyValue("[" + GOOD + "]")
                .exchange().expectStatus().isEqualTo(415)
                .expectBody().jsonPath("$.detail").isEqualTo("Content-Type must be application/json, was 'text/plain'");
    }

    @Test
    void aFullBatchOfTheLongestItemsFitsButALargerBodyIs413() {
        // Every character of title and logline as a unicode escape: the largest a valid item gets.
        String item = "{\"ownerId\":9223372036854775807,\"title\":\"" + "\\u00e9".repeat(200) + "\",\"logline\":\""
                + "\\u00e9".repeat(1000) + "\",\"genre\":\"documentary\",\"format\":\"limited_series\","
                + "\"productionStage\":\"post_production\",\"status\":\"published\"}";
        List<String> items = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            items.add(i < LIMIT - 1 ? item : item.replace("documentary", "western"));
        }
        String full = "[" + String.join(",", items) + "]";
        assertThat(full.length()).isLessThanOrEqualTo(LIMIT * PitchBatchHandler.MAX_ITEM_BYTES);
        // Parsed to the end: only the deliberately bad last item is reported.
        expectBadRequest(LIMIT, full, "items[2].genre", "items[2].genre must be one of");

        client(LIMIT).post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("[" + GOOD + "," + " ".repeat(LIMIT * PitchBatchHandler.MAX_ITEM_BYTES) + "]")
                .exchange().expectStatus().isEqualTo(413)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").isEqualTo("the body must be at most 24576 bytes; a batch holds "
                        + "at most 3 pitches");
    }

    @Test
    void theBatchLimitIsCheckedAtStartUpAndItsDefaultIsTheDeclaredOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> new PitchBatchHandler(pitches, consistency, JsonMapper.shared(), 0))
                .withMessage("batchLimit must be between 1 and 5000, was 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new PitchBatchHandler(pitches, consistency, JsonMapper.shared(), 5001))
                .withMessage("batchLimit must be between 1 and 5000, was 5001");
        assertThatThrownBy(() -> new DemoConfiguration().demoRoutes(pitches, consistency, new ExportLimiter(1),
                JsonMapper.shared(), -1))
                .isInstanceOf(InvalidFlowgresPropertyException.class)
                .hasMessage("reference.batch-limit: batchLimit must be between 1 and 5000, was -1");
        assertThat(new ReferenceProperties().getBatchLimit()).isEqualTo(PitchBatchHandler.DEFAULT_BATCH_LIMIT)
                .isEqualTo(500);
        assertThat(new ReferenceProperties().getExportLimit()).isEqualTo(ExportLimiter.DEFAULT_LIMIT);
        assertThat(new PitchBatchHandler(pitches, consistency, JsonMapper.shared(), PitchBatchHandler.DEFAULT_BATCH_LIMIT)
                .maxBodyBytes()).isEqualTo(500 * 8 * 1024);
    }

    private void expectBadRequest(int limit, String body, String parameter, String detailStart) {
        client(limit).post().uri("/api/pitches/batch").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.parameter").isEqualTo(parameter)
                .jsonPath("$.detail").value(String.class, detail -> assertThat(detail).startsWith(detailStart));
    }

    private WebTestClient client(int limit) {
        return WebTestClient.bindToRouterFunction(new DemoConfiguration().demoRoutes(pitches, consistency,
                new ExportLimiter(1), JsonMapper.shared(), limit)).build();
    }
}
