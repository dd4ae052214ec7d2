package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Boot's {@code spring.r2dbc.*} settings become the primary's, or stop start-up when they clash. */
final class SpringR2dbcMappingTest {

    @Test
    void springR2dbcBecomesThePrimaryWhenFlowgresHasNone() {
        StandardEnvironment environment = environment(Map.of("spring.r2dbc.url", "r2dbc:pool:postgresql://db-1/app",
                "spring.r2dbc.username", "app", "spring.r2dbc.password", "secret"));
        new SpringR2dbcMapping().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("flowgres.primary.url")).isEqualTo("r2dbc:postgresql://db-1/app");
        assertThat(environment.getProperty("flowgres.username")).isEqualTo("app");
        assertThat(environment.getProperty("flowgres.password")).isEqualTo("secret");
    }

    @Test
    void flowgresCredentialsWin() {
        StandardEnvironment environment = environment(Map.of("spring.r2dbc.url", "r2dbc:postgresql://db-1/app",
                "spring.r2dbc.username", "boot", "flowgres.username", "flowgres"));
        new SpringR2dbcMapping().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("flowgres.username")).isEqualTo("flowgres");
    }

    @Test
    void twoUrlsStopStartUpNamingSpringR2dbcUrl() {
        StandardEnvironment environment = environment(Map.of("spring.r2dbc.url", "r2dbc:postgresql://db-1/app",
                "flowgres.primary.url", "r2dbc:postgresql://db-2/app"));
        assertThatThrownBy(() -> new SpringR2dbcMapping().postProcessEnvironment(environment, new SpringApplication()))
                .isInstanceOf(InvalidFlowgresPropertyException.class).hasMessageStartingWith("spring.r2dbc.url: is set");
    }

    @Test
    void nothingHappensWhenFlowgresIsOff() {
        StandardEnvironment environment = environment(Map.of("spring.r2dbc.url", "r2dbc:postgresql://db-1/app",
                "flowgres.primary.url", "r2dbc:postgresql://db-2/app", "flowgres.enabled", "false"));
        new SpringR2dbcMapping().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("flowgres.primary.url")).isEqualTo("r2dbc:postgresql://db-2/app");
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
