package io.flowgres.web.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.flowgres.web.admission.AdmissionProperties;
import io.flowgres.web.cache.CacheProperties;
import io.flowgres.web.routing.ConsistencyProperties;
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
    private final List<NodeProperties> replicas = new ArrayList<>();

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
    @NestedConfigurationProperty
    private final NodeProperties primary = new NodeProperties();
    @NestedConfigurationProperty
    private final PoolProperties pool = new PoolProperties();
    @NestedConfigurationProperty
    private final EmbeddedProperties embedded = new EmbeddedProperties();
    private final Health health = new Health();
    private final SlowQuery slowQuery = new SlowQuery();
    @NestedConfigurationProperty
    private final RoutingProperties routing = new RoutingProperties();
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
    public NodeProperties getPrimary() {
        return primary;
    }

    /** The replica nodes. */
    public List<NodeProperties> getReplicas() {
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
    public PoolProperties getPool() {
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
    public EmbeddedProperties getEmbedded() {
        return embedded;
    }

    /** Health checks and their cache. */
    public Health getHealth() {
        return health;
    }

    /** Replica routing: balancer, probes, lag bounds, per-query rules. */
    public RoutingProperties getRouting() {
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

    /** Slow-query detection. */
    public static class SlowQuery {

        /** Attempts slower than this are logged and reported. */
        private Duration threshold = Duration.ofMillis(200);

        /**
         * The shortest time between two log lines of one query name: a line stands for the query's
         * slow attempts since the one before it (zero logs every slow attempt).
         */
        private Duration logInterval = Duration.ofSeconds(1);

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
