package io.flowgres.web.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code flowgres.*} configuration of a service that embeds Flowgres.
 *
 * <pre>
 * flowgres.primary.url=r2dbc:postgresql://db-1:5432/app
 * flowgres.replicas[0].url=r2dbc:postgresql://db-2:5432/app
 * flowgres.replicas[0].weight=2
 * flowgres.username=app
 * flowgres.password=${DB_PASSWORD}
 * flowgres.pool.preset=production
 * </pre>
 *
 * With no {@code flowgres.primary.url} and {@code flowgres.embedded.enabled=true}, a local cluster
 * (primary and replicas) is started instead; the reference service does that by default.
 */
@ConfigurationProperties(prefix = "flowgres")
public class FlowgresProperties {

    private final Node primary = new Node();
    private final List<Node> replicas = new ArrayList<>();
    private @Nullable String username;
    private @Nullable String password;
    private final Pool pool = new Pool();
    private Duration queryTimeout = Duration.ofSeconds(30);
    private final Embedded embedded = new Embedded();

    /** The primary node. */
    public Node getPrimary() {
        return primary;
    }

    /** The replica nodes, in order. */
    public List<Node> getReplicas() {
        return replicas;
    }

    /** The database user; required with an external cluster. */
    public @Nullable String getUsername() {
        return username;
    }

    /**
     * Sets the database user.
     *
     * @param username the user
     */
    public void setUsername(@Nullable String username) {
        this.username = username;
    }

    /** The database password; never logged. */
    public @Nullable String getPassword() {
        return password;
    }

    /**
     * Sets the database password.
     *
     * @param password the password
     */
    public void setPassword(@Nullable String password) {
        this.password = password;
    }

    /** Pool sizing. */
    public Pool getPool() {
        return pool;
    }

    /** The default deadline of one operation. */
    public Duration getQueryTimeout() {
        return queryTimeout;
    }

    /**
     * Sets the default deadline of one operation.
     *
     * @param queryTimeout positive
     */
    public void setQueryTimeout(Duration queryTimeout) {
        this.queryTimeout = queryTimeout;
    }

    /** The embedded local cluster. */
    public Embedded getEmbedded() {
        return embedded;
    }

    /** One node's settings. */
    public static class Node {

        private @Nullable String name;
        private @Nullable String url;
        private double weight = 1.0;

        /** The node's name; defaults to {@code primary} or {@code replica-N}. */
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

        /** The node's {@code r2dbc:postgresql://} URL. */
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

    /** Pool settings: a preset, optionally overridden. */
    public static class Pool {

        private String preset = "production";
        private @Nullable Integer initialSize;
        private @Nullable Integer maxSize;
        private @Nullable Duration maxAcquireTime;

        /** The preset: development, test, staging, production or high-load. */
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

        /** Overrides the preset's initial size. */
        public @Nullable Integer getInitialSize() {
            return initialSize;
        }

        /**
         * Overrides the preset's initial size.
         *
         * @param initialSize connections opened at start
         */
        public void setInitialSize(@Nullable Integer initialSize) {
            this.initialSize = initialSize;
        }

        /** Overrides the preset's maximum size. */
        public @Nullable Integer getMaxSize() {
            return maxSize;
        }

        /**
         * Overrides the preset's maximum size.
         *
         * @param maxSize most connections
         */
        public void setMaxSize(@Nullable Integer maxSize) {
            this.maxSize = maxSize;
        }

        /** Overrides the preset's acquire timeout. */
        public @Nullable Duration getMaxAcquireTime() {
            return maxAcquireTime;
        }

        /**
         * Overrides the preset's acquire timeout.
         *
         * @param maxAcquireTime positive
         */
        public void setMaxAcquireTime(@Nullable Duration maxAcquireTime) {
            this.maxAcquireTime = maxAcquireTime;
        }
    }

    /** The embedded local cluster used when no primary URL is configured. */
    public static class Embedded {

        private boolean enabled;
        private int replicas = 2;

        /** Whether to start a local cluster when no primary URL is set. */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Enables the local cluster.
         *
         * @param enabled whether to start it
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** How many streaming replicas the local cluster has. */
        public int getReplicas() {
            return replicas;
        }

        /**
         * Sets the number of local replicas.
         *
         * @param replicas 0 or more
         */
        public void setReplicas(int replicas) {
            this.replicas = replicas;
        }
    }
}
