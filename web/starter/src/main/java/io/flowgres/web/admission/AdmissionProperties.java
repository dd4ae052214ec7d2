package io.flowgres.web.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code flowgres.admission.*} settings (part of {@code FlowgresProperties}): the adaptive limit of HTTP API requests one instance
 * serves at once, and which paths it applies to. Reads ({@code GET}, {@code HEAD}, {@code OPTIONS}) and
 * writes (every other method) have a limit each, both within these bounds.
 *
 * <pre>
 * flowgres.admission.enabled=true
 * flowgres.admission.min-limit=64
 * flowgres.admission.max-limit=500
 * </pre>
 */
public class AdmissionProperties {

    /** Whether HTTP requests past the adaptive limit are refused at once. */
    private boolean enabled = true;

    /** The lowest each lane's adaptive limit goes (at least 1). */
    private int minLimit = 64;

    /** The highest each lane's adaptive limit goes (at least the lowest). */
    private int maxLimit = 500;

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

    /** The highest limit. */
    public int getMaxLimit() {
        return maxLimit;
    }

    /**
     * Sets the highest limit.
     *
     * @param maxLimit at least the lowest
     */
    public void setMaxLimit(int maxLimit) {
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
