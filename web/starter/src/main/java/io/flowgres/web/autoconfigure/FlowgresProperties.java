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
import io.flowgres.web.routing.ConsistencyProperties;
import io.r2dbc.spi.ValidationDepth;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
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
 *
 * <p>Each setting's description is the Javadoc of its field, which the configuration processor copies
 * into {@code META-INF/spring-configuration-metadata.json} for IDEs. Unset optional values keep the
 * core's defaults.
 */
@ConfigurationProperties(prefix = "flowgres", ignoreUnknownFields = false)
public class FlowgresProperties {

    /** Whether Flowgres is configured at all; false backs every Flowgres bean off (a whole-starter switch). */
    private boolean enabled = true;

    /** The replica nodes, in order; each is named replica-N unless it sets a name. */
    private final List<Node> replicas = new ArrayList<>();

    /** The database user; required with an external cluster. */
    private @Nullable String username;

    /** The database password; never logged. */
    private @Nullable String password;

    /** The default deadline of one operation, all attempts included; a query may set its own. */
    private Duration queryTimeout = Duration.ofSeconds(30);

    /** Prepared statements each connection caches, 0 (no cache) to 10000. */
    private @Nullable Integer statementCacheSize;

    /** The application_name PostgreSQL shows in pg_stat_activity: 1-63 printable ASCII characters. */
    private @Nullable String applicationName;

    // Groups: their properties are described in their own classes.
    private final Node primary = new Node();
    private final Pool pool = new Pool();
    private final Embedded embedded = new Embedded();
    private final Health health = new Health();
    private final SlowQuery slowQuery = new SlowQuery();
    private final Routing routing = new Routing();
    private final Shutdown shutdown = new Shutdown();
    private final Local local = new Local();
    // Groups declared in other files, which the configuration processor only follows when told to.
    @NestedConfigurationProperty
    private final RetryProperties retry = new RetryProperties();
    @NestedConfigurationProperty
    private final RetryBudgetProperties retryBudget = new RetryBudgetProperties();
    @NestedConfigurationProperty
    private final BreakerProperties breaker = new BreakerProperties();
    @NestedConfigurationProperty
    private final CacheProperties cache = new CacheProperties();
    @NestedConfigurationProperty
    private final AvailabilityProperties availability = new AvailabilityProperties();
    @NestedConfigurationProperty
    private final AdmissionProperties admission = new AdmissionProperties();
    @NestedConfigurationProperty
    private final ConsistencyProperties consistency = new ConsistencyProperties();

    /** Whether the starter is on. */
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

    /** The replica nodes. */
    public List<Node> getReplicas() {
        return replicas;
    }

    /** The database user. */
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

    /** The database password. */
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

    /** Pool sizing of every node without its own. */
    public Pool getPool() {
        return pool;
    }

    /** The default operation deadline. */
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

    /** The prepared statements cached per connection, or null for the core's default. */
    public @Nullable Integer getStatementCacheSize() {
        return statementCacheSize;
    }

    /**
     * Sets the prepared statements cached per connection.
     *
     * @param statementCacheSize 0 to 10000
     */
    public void setStatementCacheSize(@Nullable Integer statementCacheSize) {
        this.statementCacheSize = statementCacheSize;
    }

    /** The application_name reported to PostgreSQL, or null for the core's default. */
    public @Nullable String getApplicationName() {
        return applicationName;
    }

    /**
     * Sets the application_name reported to PostgreSQL.
     *
     * @param applicationName 1-63 printable ASCII characters
     */
    public void setApplicationName(@Nullable String applicationName) {
        this.applicationName = applicationName;
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

    /** Retry schedules of reads, writes and transactions ({@code flowgres.retry.*}). */
    public RetryProperties getRetry() {
        return retry;
    }

    /** The retry budget ({@code flowgres.retry-budget.*}). */
    public RetryBudgetProperties getRetryBudget() {
        return retryBudget;
    }

    /** Each node's circuit breaker ({@code flowgres.breaker.*}). */
    public BreakerProperties getBreaker() {
        return breaker;
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

    /** Read-your-writes over HTTP ({@code flowgres.consistency.*}). */
    public ConsistencyProperties getConsistency() {
        return consistency;
    }

    /** One node's settings. */
    public static class Node {

        /** The node's name; defaults to primary or replica-N. */
        private @Nullable String name;

        /** The node's r2dbc:postgresql:// URL; a password in it is never logged. */
        private @Nullable String url;

        /** The node's balancing weight, above 0, at most 1000. */
        private double weight = 1.0;

        private final PoolOverrides pool = new PoolOverrides();

        /** This node's own pool settings, overriding the cluster's. */
        public PoolOverrides getPool() {
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

    /** Pool settings: a preset, optionally overridden. */
    public static class Pool extends PoolOverrides {

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

    /** Pool settings that override a preset; unset ones keep the preset's (or the cluster's) value. */
    public static class PoolOverrides {

        /** Overrides the connections opened at start (zero or more, at most the maximum size). */
        private @Nullable Integer initialSize;

        /** Overrides the most connections (1 to 1000). */
        private @Nullable Integer maxSize;

        /** Overrides the bound on waiting for a pooled connection; past it the caller gets a timeout error. */
        private @Nullable Duration maxAcquireTime;

        /** Overrides the idle time after which a connection above the initial size is closed. */
        private @Nullable Duration maxIdleTime;

        /** Overrides the age after which a connection is replaced. */
        private @Nullable Duration maxLifeTime;

        /** Overrides the bound on opening one new connection. */
        private @Nullable Duration maxCreateConnectionTime;

        /** Overrides how many callers may wait for a connection at once (at least 1); more fail at once. */
        private @Nullable Integer maxPendingAcquires;

        /**
         * Overrides how an idle connection is checked before it is handed out: {@code local} (the client's
         * view, no round trip) or {@code remote} (a round trip, which also catches connections dropped
         * quietly by the server or a firewall).
         */
        private @Nullable ValidationDepth validationDepth;

        /** The idle time override, or null. */
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

        /** The lifetime override, or null. */
        public @Nullable Duration getMaxLifeTime() {
            return maxLifeTime;
        }

        /**
         * Overrides the age after which a connection is replaced.
         *
         * @param maxLifeTime positive
         */
        public void setMaxLifeTime(@Nullable Duration maxLifeTime) {
            this.maxLifeTime = maxLifeTime;
        }

        /** The connection-opening bound override, or null. */
        public @Nullable Duration getMaxCreateConnectionTime() {
            return maxCreateConnectionTime;
        }

        /**
         * Overrides the bound on opening one new connection.
         *
         * @param maxCreateConnectionTime positive
         */
        public void setMaxCreateConnectionTime(@Nullable Duration maxCreateConnectionTime) {
            this.maxCreateConnectionTime = maxCreateConnectionTime;
        }

        /** The waiting callers override, or null. */
        public @Nullable Integer getMaxPendingAcquires() {
            return maxPendingAcquires;
        }

        /**
         * Overrides how many callers may wait for a connection at once.
         *
         * @param maxPendingAcquires at least 1
         */
        public void setMaxPendingAcquires(@Nullable Integer maxPendingAcquires) {
            this.maxPendingAcquires = maxPendingAcquires;
        }

        /** The validation depth override, or null. */
        public @Nullable ValidationDepth getValidationDepth() {
            return validationDepth;
        }

        /**
         * Overrides how an idle connection is checked before it is handed out.
         *
         * @param validationDepth local or remote
         */
        public void setValidationDepth(@Nullable ValidationDepth validationDepth) {
            this.validationDepth = validationDepth;
        }

        /** Whether any setting is overridden. */
        public boolean isSet() {
            return initialSize != null || maxSize != null || maxAcquireTime != null || maxIdleTime != null
                    || maxLifeTime != null || maxCreateConnectionTime != null || maxPendingAcquires != null
                    || validationDepth != null;
        }

        /** The initial size override, or null. */
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

        /** The maximum size override, or null. */
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

        /** The acquire timeout override, or null. */
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

        /** Whether to start a local cluster (needs flowgres-test on the classpath) when no primary URL is set. */
        private boolean enabled;

        /** How many streaming replicas the local cluster has (0 or more). */
        private int replicas = 2;

        /** A saved copy of prepared data to start from instead of an empty database. */
        private final Snapshot snapshot = new Snapshot();

        /** The data snapshot to start from. */
        public Snapshot getSnapshot() {
            return snapshot;
        }

        /** Whether the local cluster is started. */
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

        /** The number of local replicas. */
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

    /**
     * A data snapshot for the embedded cluster (issue #16: start-up): with a directory set, the cluster
     * starts from a copy of the snapshot saved there with the same label (and credentials and PostgreSQL
     * installation) instead of an empty {@code initdb}; the application saves one with
     * {@code LocalCluster.saveSnapshot()} once it has prepared its data. The label names that data (e.g.
     * a hash of the migrations and seed), so a snapshot of anything else is never used.
     */
    public static class Snapshot {

        /** Where the snapshot is, or is saved; none by default or when empty (every start is then empty). */
        private String directory = "";

        /** What the snapshot's data is, as the application names it. */
        private String label = "";

        /** The snapshot directory; empty for none. */
        public String getDirectory() {
            return directory;
        }

        /**
         * Sets the snapshot directory (a path; empty turns snapshots off, e.g. on the command line
         * {@code --flowgres.embedded.snapshot.directory=}).
         *
         * @param directory where snapshots are read and saved, or empty for none
         */
        public void setDirectory(String directory) {
            this.directory = directory == null ? "" : directory.strip();
        }

        /** The label a snapshot must carry to be used. */
        public String getLabel() {
            return label;
        }

        /**
         * Sets the label.
         *
         * @param label what the data is
         */
        public void setLabel(String label) {
            this.label = label;
        }
    }

    /** Health checks: background interval, cache TTL, per-node bound, replica lag threshold. */
    public static class Health {

        /** Age of a node's health after which a quick read triggers a re-check. */
        private Duration cacheTtl = Duration.ofSeconds(10);

        /** Interval of background health checks; at most the cache TTL. */
        private Duration refreshInterval = Duration.ofSeconds(5);

        /** Bound on one node's health check. */
        private Duration checkTimeout = Duration.ofSeconds(2);

        /** Replication lag, in WAL bytes, beyond which a replica is reported degraded. */
        private DataSize maxReplicaLag = DataSize.ofMegabytes(16);

        /** The health cache's TTL. */
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

        /** The interval of background checks. */
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

        /** The bound on one node's check. */
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

        /** The replication lag beyond which a replica is degraded. */
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

    /** Slow-query detection. */
    public static class SlowQuery {

        /** Attempts slower than this are logged and reported. */
        private Duration threshold = Duration.ofMillis(200);

        /** The slow-query threshold. */
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

        /**
         * The shortest time between two log lines of one query name: a line stands for the query's
         * slow attempts since the one before it (zero logs every slow attempt).
         */
        private Duration logInterval = Duration.ofSeconds(1);

        /** The shortest time between two log lines of one query name. */
        public Duration getLogInterval() {
            return logInterval;
        }

        /**
         * Sets the shortest time between two log lines of one query name.
         *
         * @param logInterval zero or more
         */
        public void setLogInterval(Duration logInterval) {
            this.logInterval = logInterval;
        }
    }

    /** Graceful shutdown. */
    public static class Shutdown {

        /**
         * How long, after the web server stopped taking requests, to wait for running database
         * operations before the pools close (zero or more).
         */
        private Duration timeout = Duration.ofSeconds(20);

        /** The in-flight wait. */
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

        /**
         * The account the local cluster launcher runs PostgreSQL as when the JVM is root (informational:
         * the launcher reads the flowgres.local.osUser system property).
         */
        private @Nullable String osUser;

        /** The launcher's account. */
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
