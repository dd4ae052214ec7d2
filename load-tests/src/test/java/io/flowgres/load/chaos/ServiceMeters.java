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
 * attempts per node ({@code flowgres.query}), failed attempts per node and reason
 * ({@code flowgres.errors}), routing decisions ({@code flowgres.routing.decisions}),
 * retries and hedges by reason ({@code flowgres.retries}), connections created and destroyed per
 * node ({@code flowgres.pool.events}), unknown outcomes and timeouts. The
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
            } else if (name.equals("flowgres.errors") && meter instanceof Counter counter) {
                add(counts, "failed attempts " + meter.getId().getTag("node") + " " + meter.getId().getTag("reason"),
                        counter.count());
            } else if (name.equals("flowgres.routing.decisions") && meter instanceof Counter counter) {
                add(counts, "routed " + meter.getId().getTag("route") + " " + meter.getId().getTag("outcome"),
                        counter.count());
            } else if (name.equals("flowgres.retries") && meter instanceof Counter counter) {
                add(counts, "retries " + meter.getId().getTag("reason"), counter.count());
            } else if (name.equals("flowgres.pool.events") && meter instanceof Counter counter) {
                add(counts, "connections " + meter.getId().getTag("event") + " " + meter.getId().getTag("node"),
                        counter.count());
            } else if ((name.equals("flowgres.outcome.unknown") || name.equals("flowgres.timeouts"))
                    && meter instanceof Counter counter) {
                add(counts, name.substring("flowgres.".length()), counter.count());
            }
        }
        return counts;
    }

    /**
     * What changed during each group of phases, summed over its phases.
     *
     * @param snapshots one snapshot per phase boundary, the first at the first phase's start
     * @param groups the groups of phases
     * @return per group, the counts that changed, by key
     */
    static List<Map<String, Long>> deltas(List<Map<String, Double>> snapshots, List<ChaosPlan.Group> groups) {
        List<Map<String, Long>> deltas = new ArrayList<>();
        for (ChaosPlan.Group group : groups) {
            Map<String, Long> sum = new TreeMap<>();
            for (int index : group.indices()) {
                if (index + 1 < snapshots.size()) {
                    Map<String, Double> before = snapshots.get(index);
                    snapshots.get(index + 1).forEach((key, value) -> sum.merge(key,
                            Math.round(value - before.getOrDefault(key, 0.0)), Long::sum));
                }
            }
            sum.values().removeIf(delta -> delta == 0);
            deltas.add(sum);
        }
        return deltas;
    }

    /** Counts as {@code key n, key n}, for a table cell. */
    static String line(Map<String, Long> counts) {
        StringBuilder line = new StringBuilder();
        counts.forEach((key, count) -> line.append(line.length() == 0 ? "" : ", ").append(key)
                .append(String.format(" %,d", count)));
        return line.toString();
    }

    private static void add(Map<String, Double> counts, String key, double value) {
        counts.merge(key, value, Double::sum);
    }
}
