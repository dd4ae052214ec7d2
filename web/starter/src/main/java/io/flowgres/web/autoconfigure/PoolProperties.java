package io.flowgres.web.autoconfigure;

/** Pool settings: a preset, optionally overridden. */
public class PoolProperties extends PoolOverrideProperties {

    /** The preset the other pool settings override: development, test, staging, production or high-load. */
    private String preset = "production";

    /** The preset's name. */
    public String getPreset() {
        return preset;
    }

    /**
     * Sets the preset.
     *
     * @param preset the preset's name
     */
    public void setPreset(String preset) {
        this.preset = preset;
    }
}
