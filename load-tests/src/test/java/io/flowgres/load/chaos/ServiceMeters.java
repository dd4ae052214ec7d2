package io.flowgres.load.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the service itself counted, read from its meter registry at each phase boundary: database
 * attempts per node ({@code flowgres.query}), routing decisions ({@code flowgres.routing.decisions}),
 * retries and hedges by reason ({@code flowgres.retries}), unknown outcomes and timeouts. The
 * differences between two snapshots tell where a phase's work went.
 */
final class ServiceMeters {

    private ServiceMeters() {
    }

    /** The service's counts now, by a short key such as {@code attempts replica-2}. */
    static Map<String, Double> snapshot(MeterRegistry registry) {
        Map<String, Double> counts = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (name.equals("flowgres.query") && meter instanceof Timer timer) {
                add(counts, "attempts " + meter.getId().getTag("node"), timer.count());
            } else if (name.equals("flowgres.routing.decisions") && meter instanceof Counter counter) {
                add(counts, "routed " + meter.getId().getTag("route") + " " + meter.getId().getTag("outcome"),
                        counter.count());
            } else if (name.equals("flowgres.retries") && meter instanceof Counter counter) {
                add(counts, "retries " + meter.getId().getTag("reason"), counter.count());
            } else if ((name.equals("flowgres.outcome.unknown") || name.equals("flowgres.timeouts"))
                    && meter instanceof Counter counter) {
                add(counts, name.substring("flowgres.".length()), counter.count());
            }
        }
        return counts;
    }

    /**
     * Per phase, the counts that changed during it, as {@code key +n} items.
     *
     * @param snapshots one snapshot per phase boundary, the first at the first phase's start
     * @return one line per phase (fewer when the run stopped early)
     */
    static List<String> deltas(List<Map<String, Double>> snapshots) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i + 1 < snapshots.size(); i++) {
            Map<String, Double> before = snapshots.get(i);
            StringBuilder line = new StringBuilder();
            snapshots.get(i + 1).forEach((key, value) -> {
                long delta = Math.round(value - before.getOrDefault(key, 0.0));
                if (delta != 0) {
                    line.append(line.length() == 0 ? "" : ", ").append(key).append(String.format(" %,d", delta));
                }
            });
            lines.add(line.toString());
        }
        return lines;
    }

    private static void add(Map<String, Double> counts, String key, double value) {
        counts.merge(key, value, Double::sum);
    }
}
