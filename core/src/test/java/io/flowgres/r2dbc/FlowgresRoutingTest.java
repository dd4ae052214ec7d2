package io.flowgres.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;

import io.flowgres.routing.ConsistencyToken;
import io.flowgres.routing.Route;
import io.flowgres.routing.Staleness;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** The context entries the Flowgres {@code ConnectionFactory} routes by: defaults, values, messages. */
final class FlowgresRoutingTest {

    @Test
    void nothingInTheContextMeansTheWriter() {
        assertThat(FlowgresRouting.routeOf(Context.empty())).isEqualTo(Route.PRIMARY);
        assertThat(FlowgresRouting.consistencyOf(Context.empty())).isEmpty();
    }

    @Test
    void readOnlyMeansAReplicaWhenOneIsEligible() {
        assertThat(FlowgresRouting.routeOf(FlowgresRouting.readOnly().apply(Context.empty())))
                .isEqualTo(Route.REPLICA_PREFERRED);
    }

    @Test
    void anExplicitRouteIsKeptAndTheInnermostWins() {
        Mono.deferContextual(context -> Mono.just(FlowgresRouting.routeOf(context)))
                .contextWrite(FlowgresRouting.route(Route.REPLICA_ONLY))
                .contextWrite(FlowgresRouting.readOnly())
                .as(StepVerifier::create)
                .expectNext(Route.REPLICA_ONLY)
                .verifyComplete();
    }

    @Test
    void theTokenAndTheStalenessBudgetTravelInTheContext() {
        ConsistencyToken token = ConsistencyToken.parse("0/16B3748");
        Context context = FlowgresRouting.staleness(Duration.ofMillis(200))
                .apply(FlowgresRouting.consistency(token).apply(Context.empty()));

        assertThat(FlowgresRouting.consistencyOf(context)).contains(token);
        assertThat(Staleness.of(context)).contains(Duration.ofMillis(200));
    }

    @Test
    void badArgumentsFailWhereTheyAreGiven() {
        assertThatNullPointerException().isThrownBy(() -> FlowgresRouting.route(null))
                .withMessage("route must not be null");
        assertThatNullPointerException().isThrownBy(() -> FlowgresRouting.consistency(null))
                .withMessage("token must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> FlowgresRouting.staleness(Duration.ofMillis(-1)))
                .withMessageContaining("staleness budget");
    }
}
