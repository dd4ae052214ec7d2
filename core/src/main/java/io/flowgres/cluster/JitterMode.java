package io.flowgres.cluster;

/**
 * How a retry delay is randomised around the exponential backoff.
 */
public enum JitterMode {
    /**
     * "Full jitter": the delay is uniform in {@code [0, backoff]}. The default, because it spreads
     * the retries of many clients that failed together over the whole window instead of keeping
     * them in step, which is what turns a blip into a retry storm.
     */
    FULL,
    /**
     * Reactor's proportional jitter: the delay is {@code backoff ± factor × backoff}, but never below
     * the base delay nor above the maximum. Keeps a floor between attempts at the cost of less spread.
     */
    PROPORTIONAL
}
