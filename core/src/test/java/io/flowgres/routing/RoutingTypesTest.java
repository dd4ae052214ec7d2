package io.flowgres.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

final class RoutingTypesTest {

    @Test
    void tokenRoundTripsAndRejectsGarbage() {
        ConsistencyToken token = ConsistencyToken.parse("0/16B3748");
        assertThat(token.toString()).isEqualTo("0/16B3748");
        assertThat(token.isSatisfiedBy(0x16B3748L)).isTrue();
        assertThat(token.isSatisfiedBy(0x16B3747L)).isFalse();

        assertThatIllegalArgumentException().isThrownBy(() -> ConsistencyToken.parse("nonsense"))
                .withMessage("consistency token must look like 0/16B3748, was 'nonsense'");
        assertThatIllegalArgumentException().isThrownBy(() -> ConsistencyToken.parse("0/XYZ"))
                .withMessage("consistency token must look like 0/16B3748, was '0/XYZ'");
        assertThatIllegalArgumentException().isThrownBy(() -> ConsistencyToken.parse("1".repeat(40)))
                .withMessageStartingWith("consistency token must look like 0/16B3748");
    }

    @Test
    void policyDefaults() {
        RoutingPolicy policy = RoutingPolicy.defaults();
        assertThat(policy.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.probeTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.maxLag()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.maxLagBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(policy.returnLag()).isEqualTo(Duration.ofMillis(2500));
        assertThat(policy.returnLagBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(policy.defaultRtt()).isEqualTo(Duration.ofMillis(5));
        assertThat(policy.ewmaDecay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.ejectAfterFailures()).isEqualTo(5);
        assertThat(policy.baseEjection()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.maxEjection()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.rules()).isEmpty();
    }

    @Test
    void policyRejectsBadValues() {
        RoutingPolicy.Builder builder = RoutingPolicy.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> builder.probeInterval(Duration.ofMillis(5)))
                .withMessage("probeInterval must be >= 10ms, was PT0.005S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.maxLagBytes(0))
                .withMessage("maxLagBytes must be > 0, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.returnRatio(1.5))
                .withMessage("returnRatio must be in (0, 1], was 1.5");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.ejectAfterFailures(0))
                .withMessage("ejectAfterFailures must be >= 1, was 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.ejection(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .withMessage("maxEjection must be >= baseEjection, was PT1S < PT5S");
        assertThat(builder.rule("reports.daily", Route.REPLICA_ONLY).build().ruleFor("reports.daily"))
                .isEqualTo(Route.REPLICA_ONLY);
    }

    @Test
    void balancersAreChosenByName() {
        RandomGenerator random = RandomGenerator.getDefault();
        assertThat(Balancers.named("health-weighted", random)).isInstanceOf(PowerOfTwoChoicesBalancer.class);
        assertThat(Balancers.named(" Round-Robin ", random)).isInstanceOf(RoundRobinBalancer.class);
        assertThat(Balancers.named("random", random)).isInstanceOf(RandomBalancer.class);
        assertThatIllegalArgumentException().isThrownBy(() -> Balancers.named("fastest", random))
                .withMessage("balancer must be one of health-weighted, round-robin, random, was 'fastest'");
    }

    @Test
    void stalenessTravelsInTheContext() {
        Mono.deferContextual(context -> Mono.justOrEmpty(Staleness.of(context)))
                .contextWrite(Staleness.atMost(Duration.ofMillis(200)))
                .as(StepVerifier::create)
                .expectNext(Duration.ofMillis(200))
                .verifyComplete();
        Mono.deferContextual(context -> Mono.justOrEmpty(Staleness.of(context)))
                .as(StepVerifier::create)
                .verifyComplete();
    }
}
