package io.flowgres.routing;

import java.util.Locale;
import java.util.random.RandomGenerator;

/** Selects a balancing strategy by name, for configuration files. */
public final class Balancers {

    private Balancers() {
    }

    /**
     * Creates the strategy of a name: {@code health-weighted} (power of two choices, the default),
     * {@code round-robin} or {@code random}.
     *
     * @param name the strategy's name, case-insensitive
     * @param random the randomness the strategy may use
     * @return a new balancer
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Balancer named(String name, RandomGenerator random) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "health-weighted", "p2c", "power-of-two-choices" -> new PowerOfTwoChoicesBalancer(random);
            case "round-robin" -> new RoundRobinBalancer();
            case "random" -> new RandomBalancer(random);
            default -> throw new IllegalArgumentException(
                    "balancer must be one of health-weighted, round-robin, random, was '" + name + "'");
        };
    }
}
