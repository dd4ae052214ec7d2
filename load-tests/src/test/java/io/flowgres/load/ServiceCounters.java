package io.flowgres.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service's own counters of refused work, read from its Prometheus endpoint after a simulation:
 * Gatling sees a {@code 503} but not who refused it — the HTTP admission limit
 * ({@code flowgres_http_admission_*}), a node's concurrency limit ({@code flowgres_node_rejections}),
 * or the router finding no node to serve ({@code flowgres_routing_decisions} with
 * {@code outcome="rejected"}, e.g. the writer unreachable after a timed-out probe); the router's
 * other decisions show where the reads went (replica, primary, primary fallback). The counters add
 * up over the service's life, so the second simulation against one service shows both runs.
 *
 * <p>When the service publishes percentiles of its HTTP server timer
 * ({@code management.metrics.distribution.percentiles.http.server.requests}, as the headline profile
 * sets), they are printed too: the time the service itself spent on each route over its last two
 * minutes, where Gatling's figures add the client's own queueing and the network. The two apart say
 * whether a tail is the service's.
 */
final class ServiceCounters {

    private static final List<String> SHOWN = List.of("flowgres_http_admission_", "flowgres_node_rejections",
            "flowgres_routing_decisions_total");

    /** The HTTP server timer's series in the Prometheus text format. */
    private static final String SERVER_TIMER = "http_server_requests_seconds{";

    private static final Pattern LABEL = Pattern.compile("(method|status|uri|quantile)=\"([^\"]*)\"");

    private ServiceCounters() {
    }

    /** One percentile line, e.g. {@code GET /api/pitches/{id} 200 p0.99 4.45}, from its Prometheus line. */
    static String serverLatency(String line) {
        Map<String, String> labels = new HashMap<>();
        Matcher matcher = LABEL.matcher(line);
        while (matcher.find()) {
            labels.put(matcher.group(1), matcher.group(2));
        }
        double seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        return String.format(Locale.ROOT, "%s %s %s p%s %.2f", labels.get("method"), labels.get("uri"),
                labels.get("status"), labels.get("quantile"), seconds * 1000);
    }

    /**
     * Prints the counters of refused work and the service's own percentiles per route (when it
     * publishes them) to standard output, or why they could not be read; never throws, since the
     * figures are a diagnosis, not a verdict.
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
            StringBuilder latency = new StringBuilder("The service's own latency per route after " + label
                    + " (ms, its last two minutes):");
            body.lines()
                    .filter(line -> line.startsWith(SERVER_TIMER) && line.contains("quantile=")
                            // A route no request took in the last two minutes shows 0.0: nothing to say.
                            && !line.contains("uri=\"/actuator") && !line.endsWith(" 0.0"))
                    .map(ServiceCounters::serverLatency)
                    .forEach(line -> latency.append(System.lineSeparator()).append("  ").append(line));
            System.out.println(latency);
        } catch (IOException e) {
            System.out.println("Service counters not read after " + label + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
