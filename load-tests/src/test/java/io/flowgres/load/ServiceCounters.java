package io.flowgres.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The service's own counters of refused work, read from its Prometheus endpoint after a simulation:
 * Gatling sees a {@code 503} but not who refused it — the HTTP admission limit
 * ({@code flowgres_http_admission_*}), a node's concurrency limit ({@code flowgres_node_rejections}),
 * or the router finding no node to serve ({@code flowgres_routing_decisions} with
 * {@code outcome="rejected"}, e.g. the writer unreachable after a timed-out probe); the router's
 * other decisions show where the reads went (replica, primary, primary fallback). The counters add
 * up over the service's life, so the second simulation against one service shows both runs.
 */
final class ServiceCounters {

    private static final List<String> SHOWN = List.of("flowgres_http_admission_", "flowgres_node_rejections",
            "flowgres_routing_decisions_total");

    private ServiceCounters() {
    }

    /**
     * Prints the counters of refused work to standard output, or why they could not be read; never
     * throws, since the figures are a diagnosis, not a verdict.
     *
     * @param baseUrl the service's base URL
     * @param label what the figures follow, e.g. the simulation's name
     */
    static void print(String baseUrl, String label) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10)).build();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            String body = client.send(request, HttpResponse.BodyHandlers.ofString()).body();
            StringBuilder shown = new StringBuilder("Service counters of refused work after " + label + ":");
            body.lines()
                    .filter(line -> SHOWN.stream().anyMatch(line::startsWith))
                    .forEach(line -> shown.append(System.lineSeparator()).append("  ").append(line));
            System.out.println(shown);
        } catch (IOException e) {
            System.out.println("Service counters not read after " + label + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
