package io.flowgres.web.autoconfigure;

import java.util.List;
import java.util.function.Supplier;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.cluster.PoolPolicy;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.cluster.RoutingPolicy;
import org.jspecify.annotations.Nullable;

/**
 * Builds a validated {@link ClusterConfig} from {@code flowgres.*} properties, or from a running
 * local cluster. Every validation failure is rethrown naming the property it came from, so a
 * service with a bad setting fails at start-up with a message an operator can act on; passwords
 * never appear in it.
 */
final class ClusterConfigFactory {

    private ClusterConfigFactory() {
    }

    /**
     * Builds the configuration.
     *
     * @param properties the {@code flowgres.*} properties
     * @param embedded the embedded cluster's own configuration (nodes, credentials), or {@code null}
     */
    static ClusterConfig from(FlowgresProperties properties, ClusterConfig.@Nullable Builder embedded) {
        String primaryUrl = properties.getPrimary().getUrl();
        boolean external = primaryUrl != null && !primaryUrl.isBlank();
        // The embedded cluster maps itself (nodes and credentials); settings below apply to both.
        ClusterConfig.Builder builder = !external && embedded != null ? embedded : ClusterConfig.builder();
        PoolPolicy clusterPool = property("flowgres.pool", () -> pool(properties.getPool()));
        if (external) {
            builder.primary(property("flowgres.primary",
                    () -> node(properties.getPrimary(), "primary", clusterPool)));
            List<NodeProperties> replicas = properties.getReplicas();
            for (int i = 0; i < replicas.size(); i++) {
                NodeProperties replica = replicas.get(i);
                String defaultName = "replica-" + (i + 1);
                builder.replica(property("flowgres.replicas[" + i + "]",
                        () -> node(replica, defaultName, clusterPool)));
            }
            String username = properties.getUsername();
            if (username == null || username.isBlank()) {
                throw new IllegalStateException("flowgres.username must be set when flowgres.primary.url is set");
            }
            builder.credentials(username, properties.getPassword());
        } else if (embedded == null) {
            throw new IllegalStateException(
                    "flowgres.primary.url must be set, or flowgres.embedded.enabled=true to start a local cluster");
        }
        builder.pool(clusterPool);
        property("flowgres.query-timeout", () -> builder.queryTimeout(properties.getQueryTimeout()));
        builder.routing(property("flowgres.routing", () -> routing(properties.getRouting())));
        builder.availability(property("flowgres.availability", () -> properties.getAvailability().toPolicy()));
        RetryProperties retry = properties.getRetry();
        builder.readRetry(property("flowgres.retry.read", () -> retry.getRead().toPolicy(RetryPolicy.reads())));
        builder.writeRetry(property("flowgres.retry.write", () -> retry.getWrite().toPolicy(RetryPolicy.writes())));
        builder.transactionRetry(property("flowgres.retry.transaction",
                () -> retry.getTransaction().toPolicy(RetryPolicy.transactions())));
        builder.retryLockNotAvailable(retry.isLockNotAvailable());
        builder.retryBudget(property("flowgres.retry-budget", () -> properties.getRetryBudget().toPolicy()));
        builder.breaker(property("flowgres.breaker", () -> properties.getBreaker().toPolicy()));
        Integer statementCacheSize = properties.getStatementCacheSize();
        if (statementCacheSize != null) {
            property("flowgres.statement-cache-size", () -> builder.statementCacheSize(statementCacheSize));
        }
        String applicationName = properties.getApplicationName();
        if (applicationName != null) {
            property("flowgres.application-name", () -> builder.applicationName(applicationName));
        }
        return property("flowgres", builder::build);
    }

    private static RoutingPolicy routing(RoutingProperties routing) {
        RoutingPolicy.Builder builder = RoutingPolicy.builder()
                .probeInterval(routing.getProbeInterval())
                .probeTimeout(routing.getProbeTimeout())
                .maxLag(routing.getMaxLag())
                .maxLagBytes(routing.getMaxLagBytes().toBytes())
                .lagWithoutWriter(routing.getLagWithoutWriter())
                .hedgeAfter(routing.getHedgeAfter());
        routing.getRules().forEach(builder::rule);
        return builder.build();
    }

    private static NodeConfig node(NodeProperties node, String defaultName, PoolPolicy clusterPool) {
        String name = node.getName() != null ? node.getName() : defaultName;
        String url = node.getUrl();
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url must be set");
        }
        NodeConfig config = NodeConfig.of(name, url).withWeight(node.getWeight());
        // A node's own pool starts from the cluster's effective policy and changes only what it sets.
        return node.getPool().isSet() ? config.withPool(overrides(clusterPool.toBuilder(), node.getPool())) : config;
    }

    private static PoolPolicy pool(PoolProperties pool) {
        return overrides(PoolPolicy.preset(pool.getPreset()).toBuilder(), pool);
    }

    private static PoolPolicy overrides(PoolPolicy.Builder builder, PoolOverrideProperties pool) {
        if (pool.getInitialSize() != null) {
            builder.initialSize(pool.getInitialSize());
        }
        if (pool.getMaxSize() != null) {
            builder.maxSize(pool.getMaxSize());
        }
        if (pool.getMaxAcquireTime() != null) {
            builder.maxAcquireTime(pool.getMaxAcquireTime());
        }
        if (pool.getMaxIdleTime() != null) {
            builder.maxIdleTime(pool.getMaxIdleTime());
        }
        if (pool.getMaxLifeTime() != null) {
            builder.maxLifeTime(pool.getMaxLifeTime());
        }
        if (pool.getMaxCreateConnectionTime() != null) {
            builder.maxCreateConnectionTime(pool.getMaxCreateConnectionTime());
        }
        if (pool.getMaxPendingAcquires() != null) {
            builder.maxPendingAcquires(pool.getMaxPendingAcquires());
        }
        if (pool.getValidationDepth() != null) {
            builder.validationDepth(pool.getValidationDepth());
        }
        return builder.build();
    }

    static <T> T property(String prefix, Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw new InvalidFlowgresPropertyException(prefix, e.getMessage(), e);
        }
    }
}
