package io.flowgres.web.admission;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The {@code flowgres.admission.*} settings (part of {@code FlowgresProperties}): the adaptive limit of HTTP API requests one instance
 * serves at once, and which paths it applies to. Reads ({@code GET}, {@code HEAD}, {@code OPTIONS}) and
 * writes (every other method) have a limit each, both within these bounds.
 *
 * <pre>
 * flowgres.admission.enabled=true
 * flowgres.admission.min-limit=64
 * # unset (the default): each lane's connections, at least min-limit
 * flowgres.admission.max-limit=120
 * </pre>
 */
public class AdmissionProperties {

    /** Whether HTTP requests past the adaptive limit are refused at once. */
    private boolean enabled = true;

    /** The lowest each lane's adaptive limit goes (at least 1). */
    private int minLimit = 64;

    /**
     * The highest each lane's adaptive limit goes (at least the lowest). Unset, each lane's own: the
     * connections of the nodes that serve it (reads: the replicas' pools, the primary's when there
     * are none; writes: the primary's pool), at least the lowest limit. A request admitted past them
     * can only wait in a pool's queue, and under a load that never lets up the limit climbs to its
     * highest (Gradient2 learns the queue's latency as the normal one), so the highest is the queue.
     */
    private @Nullable Integer maxLimit;

    /** The limited request paths, by prefix; / limits every request. */
    private List<String> paths = new ArrayList<>(List.of("/"));

    /**
     * The request paths never limited, by prefix: health and operations must answer under overload. Add
     * long streams that have a limit of their own.
     */
    private List<String> excluded = new ArrayList<>(List.of("/actuator/"));

    /** Creates the settings with their defaults. */
    public AdmissionProperties() {
    }

    /** Whether admission control is on. */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Turns admission control on or off.
     *
     * @param enabled true to limit
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The lowest limit. */
    public int getMinLimit() {
        return minLimit;
    }

    /**
     * Sets the lowest limit.
     *
     * @param minLimit at least 1
     */
    public void setMinLimit(int minLimit) {
        this.minLimit = minLimit;
    }

    /** The highest limit, or {@code null} for each lane's connections. */
    public @Nullable Integer getMaxLimit() {
        return maxLimit;
    }

    /**
     * Sets the highest limit.
     *
     * @param maxLimit at least the lowest, or {@code null} for each lane's connections
     */
    public void setMaxLimit(@Nullable Integer maxLimit) {
        this.maxLimit = maxLimit;
    }

    /** The limited paths. */
    public List<String> getPaths() {
        return paths;
    }

    /**
     * Sets the limited paths.
     *
     * @param paths prefixes
     */
    public void setPaths(List<String> paths) {
        this.paths = paths;
    }

    /** The paths never limited. */
    public List<String> getExcluded() {
        return excluded;
    }

    /**
     * Sets the paths never limited.
     *
     * @param excluded prefixes
     */
    public void setExcluded(List<String> excluded) {
        this.excluded = excluded;
    }
}
