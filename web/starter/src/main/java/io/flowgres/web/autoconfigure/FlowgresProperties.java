package io.flowgres.web.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowgres.routing.Route;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.web.admission.AdmissionProperties;
import io.flowgres.web.cache.CacheProperties;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

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
 *
 * <p>Unknown {@code flowgres.*} properties fail start-up ({@code ignoreUnknownFields = false}): a
 * misspelt setting must not be silently ignored. A node may override the cluster's pool settings
 * ({@code flowgres.replicas[0].pool.max-size=8}).
 */
@ConfigurationProperties(prefix = "flowgres", ignoreUnknownFields = false)
public class FlowgresProperties {

    private boolean enabled = true;
    private final Node primary = new Node();
    private final List<Node> replicas = new ArrayList<>();
    private @Nullable String username;
    private @Nullable String password;
    private final Pool pool = new Pool();
    private Duration queryTimeout = Duration.ofSeconds(30);
    private final Embedded embedded = new Embedded();
    private final Health health = new Health();
    private final SlowQuery slowQuery = new SlowQuery();
    private final Routing routing = new Routing();
    private final Shutdown shutdown = new Shutdown();
    private final Local local = new Local();
    private final CacheProperties cache = new CacheProperties();
    private final AvailabilityProperties availability = new AvailabilityProperties();
    private final AdmissionProperties admission = new AdmissionProperties();

    /** Whether Flowgres is configured at all (default true); {@code false} backs every bean off. */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Turns the starter on or off.
     *
     * @param enabled false to configure nothing
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

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

    /** Health checks and their cache. */
    public Health getHealth() {
        return health;
    }

    /** Replica routing: balancer, probes, lag bounds, per-query rules. */
    public Routing getRouting() {
        return routing;
    }

    /** Slow-query reporting. */
    public SlowQuery getSlowQuery() {
        return slowQuery;
    }


    /** Graceful shutdown. */
    public Shutdown getShutdown() {
        return shutdown;
    }


    /** The local cluster launcher's settings, declared here so they are known. */
    public Local getLocal() {
        return local;
    }

    /** Detection, failover, hedging and overload ({@code flowgres.availability.*}). */
    public AvailabilityProperties getAvailability() {
        return availability;
    }

    /** The query cache ({@code flowgres.cache.*}). */
    public CacheProperties getCache() {
        return cache;
    }

    /** The HTTP admission limit ({@code flowgres.admission.*}). */
    public AdmissionProperties getAdmission() {
        return admission;
    }

    /** One node's settings. */
    public static class Node {

        private @Nullable String name;
        private @Nullable String url;
        private double weight = 1.0;
        private final PoolOverrides pool = new PoolOverrides();

        /** This node's own pool settings, overriding the cluster's. */
        public PoolOverrides getPool() {
            return pool;
        }

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
    public static class Pool extends PoolOverrides {

        private String preset = "production";

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
    }

    /** Pool settings that override a preset; unset ones keep the preset's (or the cluster's) value. */
    public static class PoolOverrides {

        private @Nullable Integer initialSize;
        private @Nullable Integer maxSize;
        private @Nullable Duration maxAcquireTime;
        private @Nullable Duration maxIdleTime;

        /** Overrides the idle time after which a connection is closed. */
        public @Nullable Duration getMaxIdleTime() {
            return maxIdleTime;
        }

        /**
         * Overrides the idle time after which a connection is closed.
         *
         * @param maxIdleTime positive
         */
        public void setMaxIdleTime(@Nullable Duration maxIdleTime) {
            this.maxIdleTime = maxIdleTime;
        }

        /** Whether any setting is overridden. */
        public boolean isSet() {
            return initialSize != null || maxSize != null || maxAcquireTime != null || maxIdleTime != null;
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

    /** Health checks: background interval, cache TTL, per-node bound, replica lag threshold. */
    public static class Health {

        private Duration cacheTtl = Duration.ofSeconds(10);
        private Duration refreshInterval = Duration.ofSeconds(5);
        private Duration checkTimeout = Duration.ofSeconds(2);
        private DataSize maxReplicaLag = DataSize.ofMegabytes(16);

        /** Age after which a quick read triggers a re-check (default 10 s). */
        public Duration getCacheTtl() {
            return cacheTtl;
        }

        /**
         * Sets the cache TTL.
         *
         * @param cacheTtl positive
         */
        public void setCacheTtl(Duration cacheTtl) {
            this.cacheTtl = cacheTtl;
        }

        /** Interval of background checks (default 5 s). */
        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        /**
         * Sets the interval of background checks.
         *
         * @param refreshInterval positive, at most the TTL
         */
        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        /** Bound on one node's check (default 2 s). */
        public Duration getCheckTimeout() {
            return checkTimeout;
        }

        /**
         * Sets the bound on one node's check.
         *
         * @param checkTimeout positive
         */
        public void setCheckTimeout(Duration checkTimeout) {
            this.checkTimeout = checkTimeout;
        }

        /** Replication lag beyond which a replica is degraded (default 16MB of WAL). */
        public DataSize getMaxReplicaLag() {
            return maxReplicaLag;
        }

        /**
         * Sets the replication lag beyond which a replica is degraded.
         *
         * @param maxReplicaLag zero or more
         */
        public void setMaxReplicaLag(DataSize maxReplicaLag) {
            this.maxReplicaLag = maxReplicaLag;
        }
    }

    /** Replica routing settings. */
    public static class Routing {

        private String balancer = "health-weighted";
        private Duration probeInterval = RoutingPolicy.DEFAULT_PROBE_INTERVAL;
        private Duration probeTimeout = RoutingPolicy.DEFAULT_PROBE_TIMEOUT;
        private Duration maxLag = RoutingPolicy.DEFAULT_MAX_LAG;
        private DataSize maxLagBytes = DataSize.ofBytes(RoutingPolicy.DEFAULT_MAX_LAG_BYTES);
        private @Nullable Duration hedgeAfter;
        private final Map<String, Route> rules = new LinkedHashMap<>();

        /** The balancer: health-weighted (default), round-robin or random. */
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

        /** How often every node is probed (default 1 s). */
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

        /** The bound on one probe (default 1 s). */
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

        /** Time lag above which a replica leaves rotation (default 5 s). */
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

        /** Byte lag above which a replica leaves rotation (default 64 MB). */
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

        /**
         * After how long without an answer a replica read is also started on another node, the first
         * answer winning (default: never; hedges are spent from the retry budget).
         */
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

        /** Routes pinned by query name, e.g. {@code flowgres.routing.rules.[reports.daily]=replica-only}. */
        public Map<String, Route> getRules() {
            return rules;
        }
    }

    /** Slow-query detection. */
    public static class SlowQuery {

        private Duration threshold = Duration.ofMillis(200);

        /** Attempts slower than this are logged and reported (default 200 ms). */
        public Duration getThreshold() {
            return threshold;
        }

        /**
         * Sets the slow-query threshold.
         *
         * @param threshold positive
         */
        public void setThreshold(Duration threshold) {
            this.threshold = threshold;
        }
    }

    /** Graceful shutdown. */
    public static class Shutdown {

        private Duration timeout = Duration.ofSeconds(20);

        /**
         * How long, after the web server stopped taking requests, to wait for running database
         * operations before the pools close (default 20 s).
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets the in-flight wait.
         *
         * @param timeout zero or more
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** The local cluster launcher, which reads {@code flowgres.local.osUser} as a system property. */
    public static class Local {

        private @Nullable String osUser;

        /** The account the launcher runs PostgreSQL as when the JVM is root. */
        public @Nullable String getOsUser() {
            return osUser;
        }

        /**
         * Sets the launcher's account (informational: the launcher reads the system property).
         *
         * @param osUser the account
         */
        public void setOsUser(@Nullable String osUser) {
            this.osUser = osUser;
        }
    }
}
