package io.flowgres.web.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code flowgres.admission.*} settings (part of {@code FlowgresProperties}): the adaptive limit of HTTP API requests one instance
 * serves at once, and which paths it applies to.
 *
 * <pre>
 * flowgres.admission.enabled=true
 * flowgres.admission.min-limit=64
 * flowgres.admission.max-limit=500
 * </pre>
 */
public class AdmissionProperties {

    private boolean enabled = true;
    private int minLimit = 64;
    private int maxLimit = 500;
    private List<String> paths = new ArrayList<>(List.of("/"));
    private List<String> excluded = new ArrayList<>(List.of("/actuator/"));

    /** Creates the settings with their defaults. */
    public AdmissionProperties() {
    }

    /** Whether requests past the limit are refused at once (default true). */
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

    /** The lowest the limit goes (default 64). */
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

    /** The highest the limit goes (default 500). */
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

    /** The limited paths, by prefix (default {@code /}: every request). */
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

    /**
     * The paths never limited, by prefix (default {@code /actuator/}: health and operations must answer
     * under overload). Add long streams that have a limit of their own.
     */
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
