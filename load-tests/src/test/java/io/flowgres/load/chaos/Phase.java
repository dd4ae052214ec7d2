package io.flowgres.load.chaos;

import java.time.Duration;

/**
 * One named stretch of the run: the load offered, the fault driven meanwhile, and how long it lasts.
 * Requests belong to the phase that was current when they were sent.
 *
 * @param name the name printed in the tables
 * @param load the load model
 * @param fault the fault driven during the phase
 * @param duration how long the phase lasts
 * @param warmUp whether the phase only warms the service up (its latencies are no baseline)
 */
record Phase(String name, LoadModel load, Fault fault, Duration duration, boolean warmUp) {

    Phase {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, was " + duration);
        }
    }
}
