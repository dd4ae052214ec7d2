package io.flowgres.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.NodeConfig;
import io.flowgres.local.LocalCluster;
import io.flowgres.local.LocalNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The extension gives a class one running cluster, the same in its constructor, its
 * {@code @BeforeAll} method and its tests, and a configuration pointing at every node of it.
 */
@FlowgresCluster(replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FlowgresClusterIT {

    private final LocalCluster constructed;
    private LocalCluster beforeAll;

    FlowgresClusterIT(LocalCluster cluster) {
        this.constructed = cluster;
    }

    @BeforeAll
    void remember(LocalCluster cluster) {
        this.beforeAll = cluster;
    }

    @Test
    void theClassSeesOneRunningClusterOfTheAnnotatedSize(LocalCluster cluster) {
        assertThat(cluster).isSameAs(constructed).isSameAs(beforeAll);
        assertThat(cluster.replicas()).hasSize(1);
        assertThat(cluster.nodes()).allMatch(LocalNode::isRunning);
    }

    @Test
    void theConfigurationPointsAtEveryNodeByName(LocalCluster cluster, ClusterConfig config) {
        assertThat(config.nodes()).extracting(NodeConfig::name).containsExactly("primary", "replica-1");
        assertThat(config.nodes()).extracting(NodeConfig::url)
                .containsExactlyElementsOf(cluster.nodes().stream().map(LocalNode::r2dbcUrl).toList());
        assertThat(config.username()).isEqualTo(cluster.user());
        assertThat(config.password()).isEqualTo(cluster.password());
    }

    @Test
    void theConfigurationIsTheClustersOwnMappingToAdjust(LocalCluster cluster) {
        ClusterConfig adjusted = cluster.clusterConfig().applicationName("adjusted").build();

        assertThat(adjusted.nodes()).extracting(NodeConfig::name, NodeConfig::url).containsExactly(
                tuple("primary", cluster.primary().r2dbcUrl()),
                tuple("replica-1", cluster.replicas().get(0).r2dbcUrl()));
        assertThat(adjusted.applicationName()).isEqualTo("adjusted");
    }
}
