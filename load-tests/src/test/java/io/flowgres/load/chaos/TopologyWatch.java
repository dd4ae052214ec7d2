package io.flowgres.load.chaos;

import java.util.HashMap;
import java.util.Map;

import io.flowgres.Flowgres;
import io.flowgres.routing.NodeView;
import io.flowgres.routing.Topology;

/**
 * Watches the service's view of the cluster every 20 ms and writes each change to the timeline: a
 * node's routing status ({@code up}, {@code down}, {@code lagging}, ...) and observed role, and which
 * node takes writes. This is how the report knows when the service detected a fault.
 */
final class TopologyWatch implements Runnable {

    private static final long INTERVAL_MILLIS = 20;

    private final Flowgres flowgres;
    private final Timeline timeline;
    private final Map<String, String> states = new HashMap<>();
    private volatile boolean running = true;
    private String writer = "";

    TopologyWatch(Flowgres flowgres, Timeline timeline) {
        this.flowgres = flowgres;
        this.timeline = timeline;
    }

    /** Asks the watch to stop after its current look. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        while (running) {
            look();
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void look() {
        Topology topology = flowgres.topology();
        if (!topology.writer().equals(writer)) {
            timeline.event(Timeline.TOPOLOGY, "writer " + (writer.isEmpty() ? "" : writer + " -> ")
                    + topology.writer());
            writer = topology.writer();
        }
        for (NodeView node : topology.nodes()) {
            String state = node.status() + " " + node.observedRole();
            String before = states.put(node.name(), state);
            if (!state.equals(before)) {
                String reason = node.probeFailure() == null ? "" : " (" + node.probeFailure() + ")";
                if (node.configuredRole().equals("replica") || node.status().equals("lagging")) {
                    reason += String.format(" [lag %.2f s, %,d bytes%s]", node.lagSeconds(), node.lagBytes(),
                            node.lagKnown() ? "" : ", unknown");
                }
                timeline.event(Timeline.TOPOLOGY, node.name() + " " + (before == null ? "" : before + " -> ")
                        + state + reason);
            }
        }
    }

    /** Whether a topology event says {@code node} left status {@code up}. */
    static boolean leftUp(Timeline.Event event, String node) {
        return Timeline.TOPOLOGY.equals(event.source()) && event.what().startsWith(node + " up ")
                && event.what().contains(" -> ") && !event.what().contains(" -> up ");
    }

    /** Whether a topology event says the prober found {@code node} down. */
    static boolean wentDown(Timeline.Event event, String node) {
        return Timeline.TOPOLOGY.equals(event.source()) && event.what().startsWith(node + " ")
                && event.what().contains(" -> down ");
    }
}
