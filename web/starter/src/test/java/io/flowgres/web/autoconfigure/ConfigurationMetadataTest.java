package io.flowgres.web.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowgres.cache.CachePolicy;
import io.flowgres.cache.PostgresInvalidations;
import io.flowgres.cluster.AvailabilityPolicy;
import io.flowgres.cluster.BreakerPolicy;
import io.flowgres.cluster.ClusterConfig;
import io.flowgres.cluster.RetryBudgetPolicy;
import io.flowgres.cluster.RetryPolicy;
import io.flowgres.cluster.RoutingPolicy;
import io.flowgres.web.admission.AdmissionProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.util.unit.DataSize;

/**
 * Reads the metadata the configuration processor generated for IDEs: every {@code flowgres.*}
 * property is listed with a description, and every default declared by hand (because the processor
 * cannot read it from another class's constant) is the core's default.
 */
final class ConfigurationMetadataTest {

    private static final String GENERATED = "META-INF/spring-configuration-metadata.json";
    private static final String ADDITIONAL = "META-INF/additional-spring-configuration-metadata.json";

    @Test
    void everyFlowgresPropertyHasADescription() throws IOException {
        List<Map<?, ?>> flowgres = flowgresProperties();

        assertThat(flowgres).hasSizeGreaterThan(90);
        assertThat(flowgres).allSatisfy(property -> assertThat(property.get("description"))
                .as("description of %s", property.get("name"))
                .asString()
                .isNotBlank());
    }

    @Test
    void everySettingIsListed() throws IOException {
        List<Object> names = flowgresProperties().stream().<Object>map(property -> property.get("name")).toList();

        assertThat(names).contains("flowgres.enabled", "flowgres.primary.url", "flowgres.replicas",
                "flowgres.query-timeout", "flowgres.statement-cache-size", "flowgres.application-name",
                "flowgres.pool.preset", "flowgres.pool.max-life-time", "flowgres.pool.max-create-connection-time",
                "flowgres.pool.max-pending-acquires", "flowgres.pool.validation-depth", "flowgres.primary.pool.max-life-time",
                "flowgres.primary.pool.max-create-connection-time", "flowgres.primary.pool.max-pending-acquires",
                "flowgres.retry.lock-not-available", "flowgres.retry-budget.ratio",
                "flowgres.retry-budget.min-retries-per-second", "flowgres.retry-budget.window",
                "flowgres.breaker.failure-rate-threshold", "flowgres.breaker.slow-call-rate-threshold",
                "flowgres.breaker.slow-call-duration", "flowgres.breaker.window", "flowgres.breaker.minimum-calls",
                "flowgres.breaker.open-duration", "flowgres.breaker.half-open-calls", "flowgres.cache.enabled",
                "flowgres.cache.queries", "flowgres.availability.restart-hold", "flowgres.admission.max-limit",
                "flowgres.routing.rules", "flowgres.health.cache-ttl");
        for (String kind : List.of("read", "write", "transaction")) {
            for (String setting : List.of("max-attempts", "base-delay", "multiplier", "max-delay", "jitter",
                    "jitter-factor")) {
                assertThat(names).contains("flowgres.retry." + kind + "." + setting);
            }
        }
    }

    @Test
    void declaredDefaultsAreTheCoresDefaults() throws IOException {
        Map<String, Object> expected = coreDefaults();
        Map<Object, Object> declared = new LinkedHashMap<>();
        for (Object property : list(parse(only(ADDITIONAL)).get("properties"))) {
            Map<?, ?> item = (Map<?, ?>) property;
            declared.put(item.get("name"), item.get("defaultValue"));
        }
        Map<Object, Object> generated = new LinkedHashMap<>();
        for (Map<?, ?> property : flowgresProperties()) {
            generated.put(property.get("name"), property.get("defaultValue"));
        }

        // Each default written by hand is checked here, and reaches the generated file.
        assertThat(declared.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, value) -> {
            Object actual = value instanceof List ? generated.get(name) : convert(generated.get(name), value.getClass());
            assertThat(actual).as("default of %s", name).isEqualTo(value);
        });
    }

    /** What the core does when a property is unset, by property. */
    private static Map<String, Object> coreDefaults() {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("flowgres.statement-cache-size", ClusterConfig.DEFAULT_STATEMENT_CACHE_SIZE);
        defaults.put("flowgres.application-name", ClusterConfig.DEFAULT_APPLICATION_NAME);
        defaults.put("flowgres.routing.probe-interval", RoutingPolicy.DEFAULT_PROBE_INTERVAL);
        defaults.put("flowgres.routing.probe-timeout", RoutingPolicy.DEFAULT_PROBE_TIMEOUT);
        defaults.put("flowgres.routing.max-lag", RoutingPolicy.DEFAULT_MAX_LAG);
        defaults.put("flowgres.routing.max-lag-bytes", DataSize.ofBytes(RoutingPolicy.DEFAULT_MAX_LAG_BYTES));
        defaults.put("flowgres.routing.lag-without-writer", RoutingPolicy.DEFAULT_LAG_WITHOUT_WRITER);
        AvailabilityPolicy availability = AvailabilityPolicy.defaults();
        defaults.put("flowgres.availability.return-after-probes", availability.returnAfterProbes());
        defaults.put("flowgres.availability.failover-after", availability.failoverAfter());
        defaults.put("flowgres.availability.silence-floor", availability.silenceFloor());
        defaults.put("flowgres.availability.silence-ceiling", availability.silenceCeiling());
        defaults.put("flowgres.availability.hedge-floor", availability.hedgeFloor());
        defaults.put("flowgres.availability.hedge-ceiling", availability.hedgeCeiling());
        defaults.put("flowgres.availability.max-concurrency", availability.maxConcurrency());
        defaults.put("flowgres.availability.restart-hold", availability.restartHold());
        defaults.put("flowgres.cache.ttl", CachePolicy.DEFAULT_TTL);
        defaults.put("flowgres.cache.maximum-size", CachePolicy.DEFAULT_MAXIMUM_SIZE);
        defaults.put("flowgres.cache.heartbeat", PostgresInvalidations.DEFAULT_HEARTBEAT);
        Map<String, RetryPolicy> presets = Map.of("read", RetryPolicy.reads(), "write", RetryPolicy.writes(),
                "transaction", RetryPolicy.transactions());
        presets.forEach((kind, preset) -> {
            String prefix = "flowgres.retry." + kind + ".";
            defaults.put(prefix + "max-attempts", preset.maxAttempts());
            defaults.put(prefix + "base-delay", preset.baseDelay());
            defaults.put(prefix + "multiplier", preset.multiplier());
            defaults.put(prefix + "max-delay", preset.maxDelay());
            defaults.put(prefix + "jitter", preset.jitterMode());
            defaults.put(prefix + "jitter-factor", preset.jitterFactor());
        });
        RetryBudgetPolicy budget = RetryBudgetPolicy.defaults();
        defaults.put("flowgres.retry-budget.ratio", budget.ratio());
        defaults.put("flowgres.retry-budget.min-retries-per-second", budget.minRetriesPerSecond());
        defaults.put("flowgres.retry-budget.window", budget.window());
        BreakerPolicy breaker = BreakerPolicy.defaults();
        defaults.put("flowgres.breaker.failure-rate-threshold", breaker.failureRateThreshold());
        defaults.put("flowgres.breaker.slow-call-rate-threshold", breaker.slowCallRateThreshold());
        defaults.put("flowgres.breaker.slow-call-duration", breaker.slowCallDuration());
        defaults.put("flowgres.breaker.window", breaker.window());
        defaults.put("flowgres.breaker.minimum-calls", breaker.minimumCalls());
        defaults.put("flowgres.breaker.open-duration", breaker.openDuration());
        defaults.put("flowgres.breaker.half-open-calls", breaker.halfOpenCalls());
        AdmissionProperties admission = new AdmissionProperties();
        defaults.put("flowgres.admission.paths", admission.getPaths());
        defaults.put("flowgres.admission.excluded", admission.getExcluded());
        return defaults;
    }

    /** The {@code flowgres.*} properties of this module's generated metadata. */
    private static List<Map<?, ?>> flowgresProperties() throws IOException {
        List<Map<?, ?>> properties = new ArrayList<>();
        for (Object property : list(parse(only(GENERATED)).get("properties"))) {
            Map<?, ?> item = (Map<?, ?>) property;
            if (String.valueOf(item.get("name")).startsWith("flowgres.")) {
                properties.add(item);
            }
        }
        return properties;
    }

    /** This module's copy of a metadata file: the one whose groups include {@code flowgres}. */
    private static String only(String resource) throws IOException {
        List<String> ours = new ArrayList<>();
        for (URL url : Collections.list(ConfigurationMetadataTest.class.getClassLoader().getResources(resource))) {
            String json = read(url);
            if (json.contains("\"flowgres.")) {
                ours.add(json);
            }
        }
        assertThat(ours).as(resource).hasSize(1);
        return ours.get(0);
    }

    private static String read(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, Object> parse(String json) {
        return JsonParserFactory.getJsonParser().parseMap(json);
    }

    private static List<?> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<?>) value;
    }

    /** A metadata default as the type the core uses, as Spring Boot would bind it. */
    private static Object convert(Object value, Class<?> type) {
        return value == null ? null : ApplicationConversionService.getSharedInstance().convert(String.valueOf(value), type);
    }
}
