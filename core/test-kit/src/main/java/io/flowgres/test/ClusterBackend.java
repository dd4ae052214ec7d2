package io.flowgres.test;

import java.util.Locale;
import java.util.function.BooleanSupplier;

import io.flowgres.local.ContainerCluster;
import io.flowgres.local.LocalCluster;
import org.jspecify.annotations.Nullable;

/**
 * Where a test cluster runs: on the local binaries launcher ({@link LocalCluster}) or in Docker
 * containers through Testcontainers ({@link ContainerCluster}), chosen by the system property
 * {@value #PROPERTY} or, when it is not set, the environment variable {@value #ENVIRONMENT_VARIABLE}
 * (which reaches forked test JVMs without build configuration): {@code auto} (the default),
 * {@code local} or {@code testcontainers}.
 *
 * <pre>{@code
 * ClusterBackend backend = ClusterBackend.selected(); // LOCAL or TESTCONTAINERS
 * }</pre>
 */
public enum ClusterBackend {

    /** Containers when Testcontainers is on the class path and finds a Docker engine, else local. */
    AUTO,

    /** The local binaries launcher, {@link LocalCluster}. */
    LOCAL,

    /** Docker containers through Testcontainers, {@link ContainerCluster}. */
    TESTCONTAINERS;

    /** The system property that chooses the backend. */
    public static final String PROPERTY = "flowgres.test.backend";

    /** The environment variable that chooses the backend when {@value #PROPERTY} is not set. */
    public static final String ENVIRONMENT_VARIABLE = "FLOWGRES_TEST_BACKEND";

    private static final String DOCKER_CLIENT_FACTORY = "org.testcontainers.DockerClientFactory";

    /**
     * The backend this JVM is asked for: {@value #PROPERTY}, else {@value #ENVIRONMENT_VARIABLE},
     * else {@link #AUTO}.
     *
     * @return the configured backend, possibly {@link #AUTO}
     * @throws IllegalArgumentException when the setting names no backend
     */
    public static ClusterBackend configured() {
        return configured(System.getProperty(PROPERTY), System.getenv(ENVIRONMENT_VARIABLE));
    }

    static ClusterBackend configured(@Nullable String property, @Nullable String environment) {
        if (property != null && !property.isBlank()) {
            return parse(PROPERTY, property);
        }
        if (environment != null && !environment.isBlank()) {
            return parse(ENVIRONMENT_VARIABLE, environment);
        }
        return AUTO;
    }

    /**
     * The backend named by a setting's value.
     *
     * @param value {@code auto}, {@code local} or {@code testcontainers}, in any case
     * @return the backend
     * @throws IllegalArgumentException for any other value
     */
    public static ClusterBackend parse(String value) {
        return parse(PROPERTY, value);
    }

    private static ClusterBackend parse(String setting, @Nullable String value) {
        String normalized = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (ClusterBackend backend : values()) {
            if (backend.name().equals(normalized)) {
                return backend;
            }
        }
        throw new IllegalArgumentException(setting + " must be one of auto, local, testcontainers, was '" + value
                + "'");
    }

    /**
     * The backend to run on, for the configured choice: {@link #configured()}{@code .resolve()}.
     *
     * @return {@link #LOCAL} or {@link #TESTCONTAINERS}
     * @throws IllegalArgumentException when the setting names no backend
     * @throws IllegalStateException when containers are demanded but cannot run
     */
    public static ClusterBackend selected() {
        return configured().resolve();
    }

    /**
     * The concrete backend for this choice: {@link #AUTO} becomes {@link #TESTCONTAINERS} when
     * Testcontainers is on the class path and a Docker engine answers, else {@link #LOCAL}.
     *
     * @return {@link #LOCAL} or {@link #TESTCONTAINERS}
     * @throws IllegalStateException for {@link #TESTCONTAINERS} when Testcontainers is missing or no
     *         Docker engine answers: the failure says which, rather than a silent fallback
     */
    public ClusterBackend resolve() {
        if (this == LOCAL) {
            return LOCAL;
        }
        if (!testcontainersPresent()) {
            if (this == TESTCONTAINERS) {
                throw new IllegalStateException(PROPERTY + "=testcontainers, but Testcontainers is not on the class "
                        + "path: add a test dependency on org.testcontainers:testcontainers");
            }
            return LOCAL;
        }
        return resolve(ContainerCluster::isDockerAvailable);
    }

    ClusterBackend resolve(BooleanSupplier dockerAvailable) {
        return switch (this) {
            case LOCAL -> LOCAL;
            case AUTO -> dockerAvailable.getAsBoolean() ? TESTCONTAINERS : LOCAL;
            case TESTCONTAINERS -> {
                if (!dockerAvailable.getAsBoolean()) {
                    throw new IllegalStateException(PROPERTY + "=testcontainers, but Testcontainers finds no Docker "
                            + "engine that answers (start one, or point DOCKER_HOST at one), or choose auto or local");
                }
                yield TESTCONTAINERS;
            }
        };
    }

    private static boolean testcontainersPresent() {
        try {
            Class.forName(DOCKER_CLIENT_FACTORY, false, ClusterBackend.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The setting's value for this backend: {@code auto}, {@code local} or {@code testcontainers}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
