package io.flowgres.node;

import java.time.Duration;

/**
 * The routing settings a {@link NodeState} follows; implemented by the routing policy so that the
 * node package does not depend on routing.
 */
public interface NodeTuning {

    /** The latency assumed before the first sample. */
    Duration defaultRtt();

    /** The time constant τ of the latency average's decay. */
    Duration ewmaDecay();

    /** Consecutive failures that eject a node. */
    int ejectAfterFailures();

    /** The first ejection's length; each further one doubles it. */
    Duration baseEjection();

    /** The longest ejection. */
    Duration maxEjection();

    /** Time lag above which a replica leaves rotation. */
    Duration maxLag();

    /** Byte lag above which a replica leaves rotation. */
    long maxLagBytes();

    /** Time lag below which a lagging replica may return. */
    Duration returnLag();

    /** Byte lag below which a lagging replica may return. */
    long returnLagBytes();
}
