package io.flowgres.load.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

final class ChaosPlanTest {

    @Test
    void ciPlanDrivesTheReducedFaultSetUnderOneClosedModelInUnderAMinute() {
        ChaosPlan plan = ChaosPlan.named("ci", 100, 15);

        assertThat(plan.phases()).extracting(Phase::fault).containsExactly(Fault.NONE, Fault.NONE,
                Fault.REPLICA_FROZEN_BURSTS, Fault.REPLICA_KILLED, Fault.PRIMARY_RESTARTED);
        assertThat(plan.phases().get(0).warmUp()).isTrue();
        assertThat(plan.segments()).singleElement().satisfies(segment -> {
            assertThat(segment.load()).isEqualTo(LoadModel.closed(16));
            assertThat(segment.offset()).isZero();
            assertThat(segment.duration()).isEqualTo(plan.total());
        });
        assertThat(plan.total()).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void fullPlanAlternatesHealthyAndFrozenRoundsPerLoadModelAndPromotesLast() {
        ChaosPlan plan = ChaosPlan.named("full", 80, 15);

        List<ChaosPlan.Segment> segments = plan.segments();
        assertThat(segments).extracting(ChaosPlan.Segment::load).containsExactly(LoadModel.closed(16),
                LoadModel.closed(64), LoadModel.open(80));
        assertThat(segments.get(1).offset()).isEqualTo(Duration.ofSeconds(50));
        assertThat(segments.get(2).offset()).isEqualTo(Duration.ofSeconds(80));
        assertThat(plan.phases().subList(1, 7)).extracting(Phase::fault).containsExactly(Fault.NONE,
                Fault.REPLICA_FROZEN_BURSTS, Fault.NONE, Fault.REPLICA_FROZEN_BURSTS, Fault.NONE,
                Fault.REPLICA_FROZEN_BURSTS);
        assertThat(plan.phases().get(plan.phases().size() - 1).fault()).isEqualTo(Fault.PROMOTION);
        assertThat(segments.get(2).offset().plus(segments.get(2).duration())).isEqualTo(plan.total());
    }

    @Test
    void roundsOfOnePhaseFormOneGroupInOrderOfFirstAppearance() {
        ChaosPlan plan = ChaosPlan.named("full", 80, 15);

        List<ChaosPlan.Group> groups = plan.groups();
        assertThat(groups).hasSize(1 + 3 * 2 + 5);
        assertThat(groups.get(0).phase().warmUp()).isTrue();
        assertThat(groups.get(1).indices()).containsExactly(1, 3, 5);
        assertThat(groups.get(1).label()).isEqualTo("1,3,5");
        assertThat(groups.get(1).duration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(groups.get(2).phase().fault()).isEqualTo(Fault.REPLICA_FROZEN_BURSTS);
        assertThat(groups.get(3).phase().load()).isEqualTo(LoadModel.closed(64));
        assertThat(groups.get(3).contains(7)).isTrue();
        assertThat(ChaosPlan.named("ci", 100, 15).groups()).hasSize(5);
    }

    @Test
    void offsetsAddUpThePhasesBefore() {
        ChaosPlan plan = ChaosPlan.named("ci", 100, 15);

        assertThat(plan.offset(0)).isZero();
        assertThat(plan.offset(2)).isEqualTo(Duration.ofSeconds(13));
        assertThat(plan.offset(plan.phases().size())).isEqualTo(plan.total());
    }

    @Test
    void unknownPlanIsRefusedByName() {
        assertThatIllegalArgumentException().isThrownBy(() -> ChaosPlan.named("huge", 100, 15))
                .withMessage("plan must be ci or full, was huge");
    }

    @Test
    void loadModelsRefuseNothingToOffer() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadModel.closed(0))
                .withMessage("users must be positive, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> LoadModel.open(0))
                .withMessage("perSecond must be positive, was 0.0");
        assertThat(LoadModel.closed(64).label()).isEqualTo("closed 64");
        assertThat(LoadModel.open(100).label()).isEqualTo("open 100/s");
    }
}
