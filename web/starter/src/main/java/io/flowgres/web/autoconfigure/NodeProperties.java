package io.flowgres.web.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/** One node's settings. */
public class NodeProperties {

    /** The node's name; defaults to primary or replica-N. */
    private @Nullable String name;

    /** The node's r2dbc:postgresql:// URL; a password in it is never logged. */
    private @Nullable String url;

    /** The node's balancing weight, above 0, at most 1000. */
    private double weight = 1.0;

    @NestedConfigurationProperty
    private final PoolOverrideProperties pool = new PoolOverrideProperties();

    /** This node's own pool settings, overriding the cluster's. */
    public PoolOverrideProperties getPool() {
        return pool;
    }

    /** The node's name, or null for the default one. */
    public @Nullable String getName() {
        return name;
    }

    /**
     * Sets the node's name.
     *
     * @param name the name
     */
    public void setName(@Nullable String name) {
        this.name = name;
    }

    /** The node's URL. */
    public @Nullable String getUrl() {
        return url;
    }

    /**
     * Sets the node's URL.
     *
     * @param url the URL
     */
    public void setUrl(@Nullable String url) {
        this.url = url;
    }

    /** The node's balancing weight. */
    public double getWeight() {
        return weight;
    }

    /**
     * Sets the node's balancing weight.
     *
     * @param weight greater than zero
     */
    public void setWeight(double weight) {
        this.weight = weight;
    }
}
