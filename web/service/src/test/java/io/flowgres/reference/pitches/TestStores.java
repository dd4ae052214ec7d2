package io.flowgres.reference.pitches;

import io.flowgres.Flowgres;
import io.flowgres.cache.QueryCache;
import io.flowgres.web.paging.CursorCodec;
import io.flowgres.web.r2dbc.LentConnections;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.data.r2dbc.core.R2dbcEntityTemplate;
import org.springframework.data.r2dbc.dialect.PostgresDialect;
import org.springframework.data.r2dbc.repository.support.R2dbcRepositoryFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import tools.jackson.databind.json.JsonMapper;

/** The demo's stores over a facade, wired without a Spring context, as the application context wires them. */
final class TestStores {

    private TestStores() {
    }

    /** The Spring Data pieces over the facade's routing factory. */
    static SpringData springData(Flowgres flowgres) {
        ConnectionFactory factory = flowgres.connectionFactory();
        DatabaseClient client = DatabaseClient.create(factory);
        R2dbcRepositoryFactory repositories = new R2dbcRepositoryFactory(
                new R2dbcEntityTemplate(client, PostgresDialect.INSTANCE));
        return new SpringData(new LentConnections(factory), client, repositories.getRepository(UserRepository.class),
                new PitchWrites(client));
    }

    /** A pitch store without a cache. */
    static PitchStore pitches(Flowgres flowgres, CursorCodec cursors) {
        return new PitchStore(flowgres, springData(flowgres), cursors, QueryCache.builder().build(), JsonMapper.builder().build());
    }

    /** A user store without a cache. */
    static UserStore users(Flowgres flowgres) {
        return new UserStore(flowgres, springData(flowgres), QueryCache.builder().build());
    }
}
