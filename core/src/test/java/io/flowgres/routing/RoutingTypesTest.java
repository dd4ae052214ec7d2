package io.flowgres.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import io.flowgres.cluster.LagWithoutWriter;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.routing.Balancer.Candidate;
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
    void theLaterOfTwoTokensCoversBoth() {
        ConsistencyToken early = new ConsistencyToken(100);
        ConsistencyToken late = new ConsistencyToken(200);
        assertThat(ConsistencyToken.later(early, late)).isEqualTo(late);
        assertThat(ConsistencyToken.later(late, early)).isEqualTo(late);
        assertThat(ConsistencyToken.later(null, early)).isEqualTo(early);
        assertThat(ConsistencyToken.later(early, null)).isEqualTo(early);
        assertThat(ConsistencyToken.later(null, null)).isNull();
        assertThat(ConsistencyToken.later(ConsistencyToken.writerOnly(), late)).isEqualTo(ConsistencyToken.writerOnly());
        assertThat(ConsistencyToken.writerOnly().isWriterOnly()).isTrue();
        assertThat(late.isWriterOnly()).isFalse();
    }

    @Test
    void policyDefaults() {
        RoutingPolicy policy = RoutingPolicy.defaults();
        assertThat(policy.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.probeTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.maxLag()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.maxLagBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(policy.lagWithoutWriter()).isEqualTo(LagWithoutWriter.GROWS);
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
        assertThatNullPointerException().isThrownBy(() -> builder.lagWithoutWriter(null))
                .withMessage("lagWithoutWriter must not be null");
        assertThat(builder.lagWithoutWriter(LagWithoutWriter.LAST_WRITER_POSITION).build().lagWithoutWriter())
                .isEqualTo(LagWithoutWriter.LAST_WRITER_POSITION);
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
        assertThat(Balancer.named("health-weighted", random)).isInstanceOf(PowerOfTwoChoicesBalancer.class);
        assertThat(Balancer.named("p2c", random)).isInstanceOf(PowerOfTwoChoicesBalancer.class);
        assertThat(Balancer.named(" Round-Robin ", random)).isInstanceOf(RoundRobinBalancer.class);
        assertThat(Balancer.named("random", random)).isNotInstanceOfAny(PowerOfTwoChoicesBalancer.class,
                RoundRobinBalancer.class);
        assertThatIllegalArgumentException().isThrownBy(() -> Balancer.named("fastest", random))
                .withMessage("balancer must be one of health-weighted, round-robin, random, was 'fastest'");
    }

    @Test
    void roundRobinTakesTheCandidatesInTurnWhateverTheirFigures() {
        Candidate slow = new Candidate("slow", 1, 1e9, 1_000_000_000L, 10);
        Candidate fast = new Candidate("fast", 5, 1, 0, 0);
        Balancer balancer = Balancer.roundRobin();

        assertThat(List.of(balancer.pick(List.of(slow, fast)), balancer.pick(List.of(slow, fast)),
                balancer.pick(List.of(slow, fast)))).containsExactly(slow, fast, slow);
    }

    @Test
    void randomPicksEveryCandidateUniformly() {
        List<Candidate> eligible = List.of(new Candidate("a", 1, 1, 0, 0), new Candidate("b", 9, 1e9, 0, 0));
        Balancer balancer = Balancer.random(new SplittableRandom(11));
        int first = 0;
        for (int i = 0; i < 10_000; i++) {
            if (balancer.pick(eligible) == eligible.get(0)) {
                first++;
            }
        }

        assertThat(first).as("figures ignored: about half").isBetween(4_700, 5_300);
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
