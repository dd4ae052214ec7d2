package io.flowgres.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.flowgres.internal.Checks;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.BreakerPolicy;
import io.flowgres.cluster.RetryBudgetPolicy;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.cluster.RoutingPolicy;
import org.jspecify.annotations.Nullable;

/**
 * Everything a user configures for one cluster: the primary, its replicas, the credentials they
 * share, and the policies for pools, retries and circuit breakers.
 *
 * <p>Immutable and validated by {@link Builder#build()}: an invalid configuration fails when it is
 * built, never at the first query. The password is held for connecting only; {@link #toString()}
 * never shows it.
 */
public final class ClusterConfig {

    /** Default deadline of one operation, all attempts included. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(30);
    /** Default number of prepared statements each connection caches (r2dbc-postgresql's is unbounded). */
    public static final int DEFAULT_STATEMENT_CACHE_SIZE = 256;
    /** Default {@code application_name} reported to PostgreSQL. */
    public static final String DEFAULT_APPLICATION_NAME = "flowgres";

    private final NodeConfig primary;
    private final List<NodeConfig> replicas;
    private final String username;
    private final @Nullable String password;
    private final PoolPolicy pool;
    private final RetryPolicy readRetry;
    private final RetryPolicy writeRetry;
    private final RetryPolicy transactionRetry;
    private final BreakerPolicy breaker;
    private final AvailabilityPolicy availability;
    private final RoutingPolicy routing;
    private final RetryBudgetPolicy retryBudget;
    private final boolean retryLockNotAvailable;
    private final Duration queryTimeout;
    private final int statementCacheSize;
    private final String applicationName;

    private ClusterConfig(Builder builder, NodeConfig primary) {
        this.primary = primary;
        this.replicas = List.copyOf(builder.replicas);
        this.username = builder.username;
        this.password = builder.password;
        this.pool = builder.pool;
        this.readRetry = builder.readRetry;
        this.writeRetry = builder.writeRetry;
        this.transactionRetry = builder.transactionRetry;
        this.breaker = builder.breaker;
        this.availability = builder.availability;
        this.routing = builder.routing;
        this.retryBudget = builder.retryBudget;
        this.retryLockNotAvailable = builder.retryLockNotAvailable;
        this.queryTimeout = builder.queryTimeout;
        this.statementCacheSize = builder.statementCacheSize;
        this.applicationName = builder.applicationName;
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The primary node. */
    public NodeConfig primary() {
        return primary;
    }

    /** The replicas, in configuration order; may be empty. */
    public List<NodeConfig> replicas() {
        return replicas;
    }

    /** The primary followed by the replicas. */
    public List<NodeConfig> nodes() {
        List<NodeConfig> all = new ArrayList<>(replicas.size() + 1);
        all.add(primary);
        all.addAll(replicas);
        return List.copyOf(all);
    }

    /** The database user every node is reached with. */
    public String username() {
        return username;
    }

    /** The password, or {@code null} when the server needs none; for connecting only, never show it. */
    public @Nullable String password() {
        return password;
    }

    /** The pool policy of every node that has none of its own. */
    public PoolPolicy pool() {
        return pool;
    }

    /**
     * The pool policy a node actually uses.
     *
     * @param node one of this cluster's nodes
     * @return its own policy, else the cluster's
     */
    public PoolPolicy poolFor(NodeConfig node) {
        PoolPolicy own = node.pool();
        return own != null ? own : pool;
    }

    /** Retry policy of reads. */
    public RetryPolicy readRetry() {
        return readRetry;
    }

    /** Retry policy of single writes. */
    public RetryPolicy writeRetry() {
        return writeRetry;
    }

    /** Retry policy of whole transactions. */
    public RetryPolicy transactionRetry() {
        return transactionRetry;
    }

    /** Circuit breaker policy of every node. */
    public BreakerPolicy breaker() {
        return breaker;
    }

    /** Detection, failover, hedging and overload settings. */
    public AvailabilityPolicy availability() {
        return availability;
    }

    /** How replicas are probed, judged for lag and chosen. */
    public RoutingPolicy routing() {
        return routing;
    }

    /** How many retries the cluster may see, whatever the policies of single operations allow. */
    public RetryBudgetPolicy retryBudget() {
        return retryBudget;
    }

    /** Whether {@code 55P03} (a {@code NOWAIT} or {@code lock_timeout} lock not taken) is retried. */
    public boolean retryLockNotAvailable() {
        return retryLockNotAvailable;
    }

    /** Default deadline of one operation, all attempts included; a query may set its own. */
    public Duration queryTimeout() {
        return queryTimeout;
    }

    /** Prepared statements cached per connection. */
    public int statementCacheSize() {
        return statementCacheSize;
    }

    /** The {@code application_name} PostgreSQL shows in {@code pg_stat_activity}. */
    public String applicationName() {
        return applicationName;
    }

    @Override
    public String toString() {
        return "ClusterConfig{primary=" + primary + ", replicas=" + replicas + ", username=" + username
                + ", password=" + (password == null ? "none" : "****") + ", pool=" + pool + ", readRetry=" + readRetry
                + ", writeRetry=" + writeRetry + ", transactionRetry=" + transactionRetry + ", breaker=" + breaker + ", availability=" + availability + ", routing=" + routing + ", retryBudget=" + retryBudget
                + ", queryTimeout=" + queryTimeout + ", statementCacheSize=" + statementCacheSize + "}";
    }

    /** Builds a {@link ClusterConfig}. Not thread-safe. */
    public static final class Builder {

        private @Nullable NodeConfig primary;
        private final List<NodeConfig> replicas = new ArrayList<>();
        private String username = "postgres";
        private @Nullable String password;
        private PoolPolicy pool = PoolPolicy.defaults();
        private RetryPolicy readRetry = RetryPolicy.reads();
        private RetryPolicy writeRetry = RetryPolicy.writes();
        private RetryPolicy transactionRetry = RetryPolicy.transactions();
        private BreakerPolicy breaker = BreakerPolicy.defaults();
        private AvailabilityPolicy availability = AvailabilityPolicy.defaults();
        private RoutingPolicy routing = RoutingPolicy.defaults();
        private RetryBudgetPolicy retryBudget = RetryBudgetPolicy.defaults();
        private boolean retryLockNotAvailable;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private int statementCacheSize = DEFAULT_STATEMENT_CACHE_SIZE;
        private String applicationName = DEFAULT_APPLICATION_NAME;

        private Builder() {
        }

        /**
         * Sets the primary by URL; it is named {@code primary}.
         *
         * @param url an {@code r2dbc:postgresql://} URL
         * @return this builder
         * @throws IllegalStateException when a primary was already set
         */
        public Builder primary(String url) {
            return primary(NodeConfig.of("primary", url));
        }

        /**
         * Sets the primary.
         *
         * @param primary the primary's configuration
         * @return this builder
         * @throws IllegalStateException when a primary was already set
         */
        public Builder primary(NodeConfig primary) {
            Checks.notNull(primary, "primary");
            Checks.state(this.primary == null, "primary is already set to %s", this.primary);
            this.primary = primary;
            return this;
        }

        /**
         * Adds a replica by URL; replicas added this way are named {@code replica-1}, {@code replica-2}...
         *
         * @param url an {@code r2dbc:postgresql://} URL
         * @return this builder
         */
        public Builder replica(String url) {
            return replica(NodeConfig.of("replica-" + (replicas.size() + 1), url));
        }

        /**
         * Adds a replica.
         *
         * @param replica the replica's configuration
         * @return this builder
         */
        public Builder replica(NodeConfig replica) {
            replicas.add(Checks.notNull(replica, "replica"));
            return this;
        }

        /**
         * Sets the credentials every node is reached with.
         *
         * @param username the database user, not blank
         * @param password the password, or {@code null} when none is needed
         * @return this builder
         */
        public Builder credentials(String username, @Nullable String password) {
            Checks.notNull(username, "username");
            Checks.argument(!username.isBlank(), "username must not be blank");
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * Sets the pool policy of every node without its own.
         *
         * @param pool the policy, e.g. a preset such as {@link PoolPolicy#production()}
         * @return this builder
         */
        public Builder pool(PoolPolicy pool) {
            this.pool = Checks.notNull(pool, "pool");
            return this;
        }

        /**
         * Sets the retry policy of reads.
         *
         * @param readRetry the policy
         * @return this builder
         */
        public Builder readRetry(RetryPolicy readRetry) {
            this.readRetry = Checks.notNull(readRetry, "readRetry");
            return this;
        }

        /**
         * Sets the retry policy of single writes.
         *
         * @param writeRetry the policy
         * @return this builder
         */
        public Builder writeRetry(RetryPolicy writeRetry) {
            this.writeRetry = Checks.notNull(writeRetry, "writeRetry");
            return this;
        }

        /**
         * Sets the retry policy of whole transactions.
         *
         * @param transactionRetry the policy
         * @return this builder
         */
        public Builder transactionRetry(RetryPolicy transactionRetry) {
            this.transactionRetry = Checks.notNull(transactionRetry, "transactionRetry");
            return this;
        }

        /**
         * Sets how nodes are taken out and brought back, failover, hedging and overload shedding.
         *
         * @param availability the policy (default {@link AvailabilityPolicy#defaults()})
         * @return this builder
         */
        public Builder availability(AvailabilityPolicy availability) {
            this.availability = Checks.notNull(availability, "availability");
            return this;
        }

        /**
         * Sets the circuit breaker policy of every node.
         *
         * @param breaker the policy
         * @return this builder
         */
        public Builder breaker(BreakerPolicy breaker) {
            this.breaker = Checks.notNull(breaker, "breaker");
            return this;
        }

        /**
         * Sets how replicas are probed, judged for lag and chosen.
         *
         * @param routing the policy
         * @return this builder
         */
        public Builder routing(RoutingPolicy routing) {
            this.routing = Checks.notNull(routing, "routing");
            return this;
        }

        /**
         * Sets the cluster's retry budget.
         *
         * @param retryBudget the policy
         * @return this builder
         */
        public Builder retryBudget(RetryBudgetPolicy retryBudget) {
            this.retryBudget = Checks.notNull(retryBudget, "retryBudget");
            return this;
        }

        /**
         * Sets whether a lock that could not be taken ({@code 55P03}) is retried (default false: a
         * {@code NOWAIT} caller usually wants to know at once).
         *
         * @param retry whether to retry it
         * @return this builder
         */
        public Builder retryLockNotAvailable(boolean retry) {
            this.retryLockNotAvailable = retry;
            return this;
        }

        /**
         * Sets the default deadline of one operation, all attempts included.
         *
         * @param queryTimeout positive
         * @return this builder
         */
        public Builder queryTimeout(Duration queryTimeout) {
            this.queryTimeout = Checks.positive(queryTimeout, "queryTimeout");
            return this;
        }

        /**
         * Sets how many prepared statements each connection caches.
         *
         * @param size 0 (no cache) to 10000
         * @return this builder
         */
        public Builder statementCacheSize(int size) {
            Checks.argument(size >= 0 && size <= 10_000, "statementCacheSize must be between 0 and 10000, was %s",
                    size);
            this.statementCacheSize = size;
            return this;
        }

        /**
         * Sets the {@code application_name} reported to PostgreSQL.
         *
         * @param applicationName 1-63 printable ASCII characters
         * @return this builder
         */
        public Builder applicationName(String applicationName) {
            Checks.notNull(applicationName, "applicationName");
            Checks.argument(applicationName.matches("[\\x20-\\x7e]{1,63}"),
                    "applicationName must be 1-63 printable ASCII characters, was '%s'", applicationName);
            this.applicationName = applicationName;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the immutable configuration
         * @throws IllegalStateException when no primary is set or two nodes share a name or address
         */
        public ClusterConfig build() {
            NodeConfig chosen = primary;
            Checks.state(chosen != null, "primary must be set");
            Set<String> names = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            List<NodeConfig> all = new ArrayList<>(replicas);
            all.add(0, chosen);
            for (NodeConfig node : all) {
                Checks.state(names.add(node.name()), "node names must be unique, '%s' is used twice", node.name());
                String address = node.host() + ":" + node.port() + "/" + node.database();
                Checks.state(addresses.add(address), "node addresses must be unique, %s is used twice",
                        node.displayUrl());
            }
            return new ClusterConfig(this, chosen);
        }
    }
}
