package io.flowgres.web.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Boot's own {@code spring.r2dbc.*} settings, where Flowgres is the application's
 * {@code ConnectionFactory}: Boot's pool backs off, so a {@code spring.r2dbc.url} would otherwise be
 * silently ignored. With no {@code flowgres.primary.url}, the URL (a {@code r2dbc:pool:} prefix
 * dropped: Flowgres pools per node itself), username and password become the primary's
 * ({@code flowgres.primary.url}, {@code flowgres.username}, {@code flowgres.password}); with both set,
 * start-up fails naming {@code spring.r2dbc.url}, since two URLs for one database is a mistake to
 * fix, not to guess. Nothing happens with {@code flowgres.enabled=false}.
 */
public class SpringR2dbcMapping implements EnvironmentPostProcessor {

    private static final String SPRING_URL = "spring.r2dbc.url";

    /** Created by Spring Boot from {@code META-INF/spring.factories}. */
    public SpringR2dbcMapping() {
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty(SPRING_URL);
        if (url == null || url.isBlank() || !environment.getProperty("flowgres.enabled", Boolean.class, true)) {
            return;
        }
        String primary = environment.getProperty("flowgres.primary.url");
        if (primary != null && !primary.isBlank()) {
            throw new InvalidFlowgresPropertyException(SPRING_URL, "is set, and so is flowgres.primary.url: Flowgres "
                    + "is the application's ConnectionFactory, so remove spring.r2dbc.url (and spring.r2dbc.*), "
                    + "or set flowgres.enabled=false to use Boot's single pool", new IllegalStateException());
        }
        Map<String, Object> mapped = new LinkedHashMap<>();
        mapped.put("flowgres.primary.url", url.trim().replaceFirst("^r2dbc:pool:", "r2dbc:"));
        copy(environment, "spring.r2dbc.username", "flowgres.username", mapped);
        copy(environment, "spring.r2dbc.password", "flowgres.password", mapped);
        environment.getPropertySources().addLast(new MapPropertySource("flowgresFromSpringR2dbc", mapped));
    }

    private static void copy(ConfigurableEnvironment environment, String from, String to, Map<String, Object> mapped) {
        String value = environment.getProperty(from);
        if (value != null && environment.getProperty(to) == null) {
            mapped.put(to, value);
        }
    }
}
