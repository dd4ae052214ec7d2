package io.flowgres.routing;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

import io.flowgres.internal.Checks;

/**
 * Picks one replica for a read among those that are eligible right now. Implementations must be
 * thread-safe and must not block: they run on every read, on an event-loop thread.
 *
 * <p>A balancer sees immutable {@link Candidate} snapshots, never the engine's nodes, so a custom
 * strategy is a pure function of figures and is tested with plain values.
 */
public interface Balancer {

    /**
     * One eligible replica as the balancer sees it at the moment of the choice.
     *
     * @param name the node's name
     * @param weight its static weight (positive)
     * @param latencyNanos its peak-sensitive latency average (the cost: pessimistic, slow to forget)
     * @param typicalNanos its typical latency, a plain average over about a second (what a stall is
     *        measured against: a single peak, a GC pause or a first query on a new connection, barely
     *        moves it, so a freeze shows as a stall within a few typical latencies)
     * @param stallNanos how long work on it has gone unanswered now (zero when idle or answering)
     * @param load in-flight work, settling connections and callers waiting for a connection
     */
    record Candidate(String name, double weight, double latencyNanos, double typicalNanos, long stallNanos,
            int load) {

        /**
         * A candidate whose typical latency is its latency average (for balancers and tests that
         * have only one figure).
         *
         * @param name the node's name
         * @param weight its static weight (positive)
         * @param latencyNanos its latency average, also taken as its typical latency
         * @param stallNanos how long work on it has gone unanswered now
         * @param load in-flight work, settling connections and callers waiting for a connection
         */
        public Candidate(String name, double weight, double latencyNanos, long stallNanos, int load) {
            this(name, weight, latencyNanos, latencyNanos, stallNanos, load);
        }
    }

    /**
     * Picks a candidate.
     *
     * @param eligible the candidates, never empty
     * @return one of the candidates
     */
    Candidate pick(List<Candidate> eligible);

    /**
     * The default: health-weighted power of two choices (see {@link PowerOfTwoChoicesBalancer}).
     *
     * @param random the source of the draws (seeded in tests)
     * @return a new balancer
     */
    static Balancer powerOfTwoChoices(RandomGenerator random) {
        return new PowerOfTwoChoicesBalancer(random);
    }

    /**
     * Takes the eligible replicas in turn, ignoring their figures: a baseline for comparisons.
     *
     * @return a new balancer
     */
    static Balancer roundRobin() {
        return new RoundRobinBalancer();
    }

    /**
     * Picks uniformly at random: a baseline for comparisons.
     *
     * @param random the source of the draws
     * @return a new balancer
     */
    static Balancer random(RandomGenerator random) {
        Checks.notNull(random, "random");
        return eligible -> eligible.get(random.nextInt(eligible.size()));
    }

    /**
     * The strategy of a name, for configuration files: {@code health-weighted} (the default, also
     * {@code p2c}), {@code round-robin} or {@code random}.
     *
     * @param name the strategy's name, case-insensitive
     * @param random the randomness the strategy may use
     * @return a new balancer
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    static Balancer named(String name, RandomGenerator random) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "health-weighted", "p2c", "power-of-two-choices" -> powerOfTwoChoices(random);
            case "round-robin" -> roundRobin();
            case "random" -> random(random);
            default -> throw new IllegalArgumentException(
                    "balancer must be one of health-weighted, round-robin, random, was '" + name + "'");
        };
    }
}
