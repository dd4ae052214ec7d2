package io.flowgres.web.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.flowgres.cluster.LagWithoutWriter;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.routing.Route;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/** Replica routing settings. */
public class RoutingProperties {

    /** How a replica is chosen: health-weighted, round-robin or random. */
    private String balancer = "health-weighted";

    /** How often every node is probed (at least 10ms). */
    private Duration probeInterval = RoutingPolicy.DEFAULT_PROBE_INTERVAL;

    /** The bound on one probe. */
    private Duration probeTimeout = RoutingPolicy.DEFAULT_PROBE_TIMEOUT;

    /** Replication time lag above which a replica leaves rotation. */
    private Duration maxLag = RoutingPolicy.DEFAULT_MAX_LAG;

    /** Replication byte lag above which a replica leaves rotation. */
    private DataSize maxLagBytes = DataSize.ofBytes(RoutingPolicy.DEFAULT_MAX_LAG_BYTES);

    /**
     * A replica's lag while the primary cannot be probed: grows (unknown; replicas leave rotation
     * after max-lag) or last-writer-position (measured against the primary's last known position, so
     * caught-up replicas keep serving reads through a primary outage).
     */
    private LagWithoutWriter lagWithoutWriter = RoutingPolicy.DEFAULT_LAG_WITHOUT_WRITER;

    /**
     * After how long without an answer a replica read is also started on another node, the first
     * answer winning (at most 1m; unset: no fixed delay). Hedges are spent from the retry budget.
     */
    private @Nullable Duration hedgeAfter;

    /** Routes pinned by query name, e.g. flowgres.routing.rules.[reports.daily]=replica-only. */
    private final Map<String, Route> rules = new LinkedHashMap<>();

    /** The balancer's name. */
    public String getBalancer() {
        return balancer;
    }

    /**
     * Sets the balancer.
     *
     * @param balancer its name
     */
    public void setBalancer(String balancer) {
        this.balancer = balancer;
    }

    /** The probe interval. */
    public Duration getProbeInterval() {
        return probeInterval;
    }

    /**
     * Sets the probe interval.
     *
     * @param probeInterval at least 10 ms
     */
    public void setProbeInterval(Duration probeInterval) {
        this.probeInterval = probeInterval;
    }

    /** The probe timeout. */
    public Duration getProbeTimeout() {
        return probeTimeout;
    }

    /**
     * Sets the bound on one probe.
     *
     * @param probeTimeout positive
     */
    public void setProbeTimeout(Duration probeTimeout) {
        this.probeTimeout = probeTimeout;
    }

    /** The time lag bound. */
    public Duration getMaxLag() {
        return maxLag;
    }

    /**
     * Sets the time lag bound.
     *
     * @param maxLag positive
     */
    public void setMaxLag(Duration maxLag) {
        this.maxLag = maxLag;
    }

    /** The byte lag bound. */
    public DataSize getMaxLagBytes() {
        return maxLagBytes;
    }

    /**
     * Sets the byte lag bound.
     *
     * @param maxLagBytes positive
     */
    public void setMaxLagBytes(DataSize maxLagBytes) {
        this.maxLagBytes = maxLagBytes;
    }

    /** What a replica's lag is taken to be while the primary cannot be probed. */
    public LagWithoutWriter getLagWithoutWriter() {
        return lagWithoutWriter;
    }

    /**
     * Sets what a replica's lag is taken to be while the primary cannot be probed.
     *
     * @param lagWithoutWriter grows or last-writer-position
     */
    public void setLagWithoutWriter(LagWithoutWriter lagWithoutWriter) {
        this.lagWithoutWriter = lagWithoutWriter;
    }

    /** The fixed hedging delay, or null for none. */
    public @Nullable Duration getHedgeAfter() {
        return hedgeAfter;
    }

    /**
     * Sets the hedging delay.
     *
     * @param hedgeAfter positive, at most 1 minute, or {@code null} for no hedging
     */
    public void setHedgeAfter(@Nullable Duration hedgeAfter) {
        this.hedgeAfter = hedgeAfter;
    }

    /** The routes pinned by query name. */
    public Map<String, Route> getRules() {
        return rules;
    }
}
